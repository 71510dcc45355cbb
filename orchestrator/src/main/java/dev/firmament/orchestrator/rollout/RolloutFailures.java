package dev.firmament.orchestrator.rollout;

/** Failure types raised as {@code ApplicationFailure}s by rollout activities. */
public final class RolloutFailures {
  /** The job row does not exist: retrying cannot help. */
  public static final String JOB_NOT_FOUND = "JobNotFound";

  /** The device or its firmware is not what the rollout needs: retrying cannot help. */
  public static final String DEVICE_NOT_UPDATABLE = "DeviceNotUpdatable";

  private RolloutFailures() {}
}
