package dev.firmament.orchestrator.delta;

/**
 * The delta builds' task queue and workflow ids. Builds are CPU-bound, so they run on a queue of
 * their own that only delta workers poll: a burst of uploads never slows rollouts down.
 */
public final class DeltaTaskQueues {
  /** Delta build workflows and their activities. */
  public static final String DELTA = "firmament-delta";

  private DeltaTaskQueues() {}

  /** One build per uploaded firmware: the id is its business key, started with reject-duplicate. */
  public static String deltaBuildWorkflowId(String firmwareId) {
    return "delta-build/" + firmwareId;
  }
}
