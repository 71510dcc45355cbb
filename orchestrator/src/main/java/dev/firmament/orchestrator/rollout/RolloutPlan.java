package dev.firmament.orchestrator.rollout;

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
 */
public record RolloutPlan(
    List<StagePlan> stages,
    RetryPolicy retry,
    MaintenanceWindow window,
    Instant startAt,
    boolean requireApproval,
    boolean waitForDevices) {

  public RolloutPlan {
    if (stages == null || stages.isEmpty()) {
      throw new IllegalArgumentException("a plan has at least one stage");
    }
    stages = List.copyOf(stages);
    retry = retry == null ? RetryPolicy.none() : retry;
  }

  /** A plan that does not wait for devices other rollouts hold. */
  public RolloutPlan(
      List<StagePlan> stages,
      RetryPolicy retry,
      MaintenanceWindow window,
      Instant startAt,
      boolean requireApproval) {
    this(stages, retry, window, startAt, requireApproval, false);
  }

  /** One automatic stage over every target: a rollout created without a plan. */
  public static RolloutPlan singleStage(int maxInFlight) {
    return new RolloutPlan(List.of(StagePlan.everything(maxInFlight)), null, null, null, false);
  }
}
