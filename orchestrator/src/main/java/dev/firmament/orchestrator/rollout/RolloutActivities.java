package dev.firmament.orchestrator.rollout;

import io.temporal.activity.ActivityInterface;

/**
 * Bookkeeping of a rollout in the system of record. Every method is idempotent on the keys it is
 * given (job, stage, device): it checks the stored state before it writes.
 */
@ActivityInterface
public interface RolloutActivities {

  /**
   * Counts the job's target devices, queues a result for each and marks the job RUNNING (idempotent
   * on the job id).
   */
  int startJob(String jobId);

  /**
   * Records a status of the job that is not final (SCHEDULED, WAITING_APPROVAL, RUNNING, PAUSED,
   * ROLLING_BACK). A final status is never rewritten.
   */
  void recordStatus(String jobId, RolloutStatus status);

  /**
   * Assigns the stage its devices out of the targets no stage took yet, in stable hash order, and
   * records the stage. Idempotent on (job, stage): a second call returns the first call's count.
   * For a ROLLBACK stage, takes every device this rollout changed.
   */
  int assignStage(
      String jobId, int stageIndex, String name, StageKind kind, StageSelection selection);

  /**
   * Adds every target that joined after assignment (and has no stage yet) to the stage; returns how
   * many it added. Idempotent: joiners already assigned are not added again.
   */
  int assignJoiners(String jobId, int stageIndex);

  /** The stage's devices with a position after {@code afterPosition}, in position order. */
  StagePage listStage(String jobId, int stageIndex, long afterPosition, int limit);

  /** Upserts the stage's status and counters; a final stage status is never rewritten. */
  void recordStage(String jobId, int stageIndex, StageStatus status, StageCounters counters);

  /**
   * Counts the stage's devices that reported success but are now offline or run another version
   * than the one they were given: the health gate at the end of the soak.
   */
  int unhealthyDevices(String jobId, int stageIndex);

  /**
   * What the stage's updated devices reported since their update against the rollout's devices not
   * yet updated, counted by {@code plan}: the health gate's numbers.
   */
  HealthReport vitalsHealth(String jobId, int stageIndex, HealthPlan plan);

  /** Shows operators why the rollout stands where it stands (a pause by the health gate). */
  void recordDetail(String jobId, String detail);

  /**
   * Requeues the rollout's failed devices (any failure type, this stage's and earlier stages') into
   * this update stage for a new attempt at new positions after the current ones, and returns the
   * stage's counts as stored afterwards. A rollback stage requeues nothing. Idempotent: a device
   * already requeued is not requeued twice.
   */
  StageCounters requeueFailed(String jobId, int stageIndex);

  /**
   * The stage's counts as stored now (its devices' results by state; {@code unhealthy} and {@code
   * inFlight} zero): after a retry moved an earlier stage's failed devices into a later stage.
   */
  StageCounters storedCounters(String jobId, int stageIndex);

  /** Where the maintenance window stands at {@code atEpochMillis}. Pure computation, no I/O. */
  WindowState window(MaintenanceWindow window, long atEpochMillis);

  /**
   * Records how a device's update ended when the device itself never said so: it did not answer in
   * time (TIMED_OUT) or delivery failed on the server side (FAILED). A result that already reached
   * a terminal state is left as it is (idempotent on job and device).
   */
  void recordUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail);

  /** The rollback counterpart of {@link #recordUnreported}. */
  void recordRollbackUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail);

  /**
   * As {@link #recordUnreported} (or, for a rollback, {@link #recordRollbackUnreported}), and says
   * how the attempt ended as PostgreSQL holds it: {@code state} with no error code when this wrote
   * it, else the outcome the device reported first (its final report won the race with the
   * timeout). The workflow counts what this returns, so that its counts and the stored results
   * agree.
   */
  DeviceUpdateOutcome settleUnreported(
      String jobId,
      String deviceId,
      int attempt,
      DeviceUpdateState state,
      String detail,
      boolean rollback);

  /**
   * Whether no older unfinished rollout of the job's product targets any of the job's devices (a
   * plan that waits for its devices polls this before it starts).
   */
  boolean devicesFree(String jobId);

  /**
   * Records the job's final status and finish time (idempotent: a final status is not rewritten).
   */
  void finishJob(String jobId, RolloutStatus status);

  /**
   * Publishes a gate's breach as the cloud event {@code firmament/rollout/gate} of the job's
   * organization and product. At least once: a retried activity may publish it twice, as every
   * event the webhooks carry may arrive twice.
   */
  void recordGateBreach(GateBreach breach);

  /**
   * Records why a rollout stops before its plan ran out (the job's status detail) and ends its
   * results that are still open as {@code CANCELED} with that reason. Idempotent.
   */
  void recordStop(String jobId, String reason);

  /**
   * Up to {@code limit} of the job's devices that wait for their presence (offline when their turn
   * came) and are online now, longest waiting first, each with its stored attempt.
   */
  StagePage listWaiting(String jobId, int limit);

  /** How many of the job's devices wait for their presence. */
  int waitingDevices(String jobId);

  /**
   * Ends every device of the job still waiting for its presence TIMED_OUT (error code OFFLINE): the
   * rollout expired. Returns how many.
   */
  int expireWaiting(String jobId);

  /**
   * Records the stage that serves the rollout's waiting devices until its expiry, taking no devices
   * of its own; idempotent.
   */
  void openWaitingStage(String jobId, int stageIndex, String name);
}
