package dev.firmament.orchestrator.rollout;

/** Task queue names: the contract between the processes that start work and those that do it. */
public final class TaskQueues {
  /** Rollout workflows and their bookkeeping activities (database reads and status writes). */
  public static final String ROLLOUT = "firmament-rollout";

  /** Device delivery activities; served by the workers that hold a connection to the broker. */
  public static final String DELIVERY = "firmament-delivery";

  private TaskQueues() {}

  /** The workflow id of a rollout is its business key, so that a job can only run once. */
  public static String rolloutWorkflowId(String jobId) {
    return "rollout/" + jobId;
  }

  /**
   * A run that rolls back a rollout after it ended ({@link RolloutRequest#rollbackOnly}), as its
   * stage {@code stageIndex}.
   */
  public static String rollbackWorkflowId(String jobId, int stageIndex) {
    return rolloutWorkflowId(jobId) + "/rollback/" + stageIndex;
  }

  /**
   * Each stage of a rollout is a child workflow with a stable id, so a replayed parent finds it.
   */
  public static String stageWorkflowId(String jobId, int stageIndex) {
    return rolloutWorkflowId(jobId) + "/stage/" + stageIndex;
  }
}
