package dev.firmament.orchestrator.rollout;

/** Failure types raised as {@code ApplicationFailure}s by rollout activities. */
public final class RolloutFailures {
  /** The job row does not exist: retrying cannot help. */
  public static final String JOB_NOT_FOUND = "JobNotFound";

  /**
   * The job's row is not visible yet: the API's transaction that started the workflow has not
   * committed. Retried, for a bounded time, unlike {@link #JOB_NOT_FOUND}.
   */
  public static final String JOB_NOT_COMMITTED = "JobNotCommitted";

  /** The device or its firmware is not what the rollout needs: retrying cannot help. */
  public static final String DEVICE_NOT_UPDATABLE = "DeviceNotUpdatable";

  /**
   * The database refused a write of the rollout's data (a value out of range or too long, a
   * constraint): the same write would be refused again, so retrying cannot help and the rollout
   * ends with the reason.
   */
  public static final String DATA_REFUSED = "DataRefused";

  private RolloutFailures() {}
}
