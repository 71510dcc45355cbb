package dev.firmament.orchestrator.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything a rollout is told to do besides its job id: stages, per-device retries, maintenance
 * window, scheduled start and approval. The API builds it from {@code createOTAJob}, persists it
 * with the job, and passes it to the workflow as input.
 *
 * @param stages in order; the last one usually takes 100% of the remaining targets
 * @param retry per-device retry policy
 * @param window null when updates may start at any time
 * @param startAt null to start at once
 * @param requireApproval whether the rollout waits for an approval before its first stage
 * @param waitForDevices whether the rollout, when an older unfinished rollout holds some of its
 *     devices, waits for it to finish before it starts (otherwise creating it was refused)
 * @param rollbackStages how a rollback of this rollout is staged (a gate's ROLLBACK, a cancel with
 *     rollback, rollbackOTAJob): each stage takes its share of the devices still to be taken back;
 *     empty for one stage over all of them at the widest {@code maxInFlight} of the plan
 * @param expiry how long after its start the rollout keeps offline devices waiting: a device that
 *     is offline when its turn comes is not offered but waits, without a slot, until it connects;
 *     after the plan's stages a last stage serves the waiting devices until the expiry, when those
 *     still offline end TIMED_OUT (error code OFFLINE). Null: devices are offered whether online or
 *     not, and a device that does not answer times out after the device timeout
 */
public record RolloutPlan(
    List<StagePlan> stages,
    RetryPolicy retry,
    MaintenanceWindow window,
    Instant startAt,
    boolean requireApproval,
    boolean waitForDevices,
    List<StagePlan> rollbackStages,
    Duration expiry) {

  public RolloutPlan {
    if (stages == null || stages.isEmpty()) {
      throw new IllegalArgumentException("a plan has at least one stage");
    }
    stages = List.copyOf(stages);
    retry = retry == null ? RetryPolicy.none() : retry;
    // Plans stored or recorded before rollbacks were staged have none.
    rollbackStages = rollbackStages == null ? List.of() : List.copyOf(rollbackStages);
    if (expiry != null && (expiry.isNegative() || expiry.isZero())) {
      throw new IllegalArgumentException("a rollout's expiry must be positive");
    }
  }

  /** A plan whose offline devices are offered whether online or not (no expiry). */
  public RolloutPlan(
      List<StagePlan> stages,
      RetryPolicy retry,
      MaintenanceWindow window,
      Instant startAt,
      boolean requireApproval,
      boolean waitForDevices,
      List<StagePlan> rollbackStages) {
    this(stages, retry, window, startAt, requireApproval, waitForDevices, rollbackStages, null);
  }

  /** A plan whose rollback is one stage over every device it changed. */
  public RolloutPlan(
      List<StagePlan> stages,
      RetryPolicy retry,
      MaintenanceWindow window,
      Instant startAt,
      boolean requireApproval,
      boolean waitForDevices) {
    this(stages, retry, window, startAt, requireApproval, waitForDevices, List.of(), null);
  }

  /** A plan that does not wait for devices other rollouts hold. */
  public RolloutPlan(
      List<StagePlan> stages,
      RetryPolicy retry,
      MaintenanceWindow window,
      Instant startAt,
      boolean requireApproval) {
    this(stages, retry, window, startAt, requireApproval, false, List.of(), null);
  }

  /** This plan with its rollback staged as given (empty for the default single stage). */
  public RolloutPlan withRollbackStages(List<StagePlan> next) {
    return new RolloutPlan(
        stages, retry, window, startAt, requireApproval, waitForDevices, next, expiry);
  }

  /** This plan with offline devices waiting until {@code next} after its start (null: none). */
  public RolloutPlan withExpiry(Duration next) {
    return new RolloutPlan(
        stages, retry, window, startAt, requireApproval, waitForDevices, rollbackStages, next);
  }

  /** This plan, approved before its first stage or not. */
  public RolloutPlan withRequireApproval(boolean approval) {
    return new RolloutPlan(
        stages, retry, window, startAt, approval, waitForDevices, rollbackStages, expiry);
  }

  /**
   * The stages a rollback runs: the plan's rollback stages, or one automatic stage named {@code
   * rollback} over every device to take back, at the widest {@code maxInFlight} of the plan and
   * with a gate that never breaches.
   */
  public List<StagePlan> rollbackPlan() {
    if (!rollbackStages.isEmpty()) {
      return rollbackStages;
    }
    int maxInFlight = stages.stream().mapToInt(StagePlan::maxInFlight).max().orElse(1);
    return List.of(
        new StagePlan(
            "rollback",
            StageSelection.percent(100),
            maxInFlight,
            null,
            Duration.ZERO,
            GatePlan.permissive(),
            AdvanceMode.AUTOMATIC));
  }

  /** One automatic stage over every target: a rollout created without a plan. */
  public static RolloutPlan singleStage(int maxInFlight) {
    return new RolloutPlan(List.of(StagePlan.everything(maxInFlight)), null, null, null, false);
  }
}
