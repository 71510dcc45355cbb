package dev.firmament.orchestrator.rollout;

import java.util.List;

/**
 * Counters of a rollout, readable by query at any moment and returned when it ends. The totals sum
 * the update stages; a running stage's counts are as of its last finished page.
 *
 * @param status the rollout's status
 * @param total devices targeted
 * @param started devices whose update has been started
 * @param inFlight devices currently updating
 * @param succeeded devices updated to the target version
 * @param skipped devices that already ran the target version
 * @param failed devices that ended in FAILED, REJECTED or ROLLED_BACK, or unhealthy after success
 * @param timedOut devices that did not finish within the device timeout
 * @param currentStage the index of the stage running now (or last run)
 * @param stages every stage started so far, the rollback stage included
 */
public record RolloutProgress(
    RolloutStatus status,
    int total,
    int started,
    int inFlight,
    int succeeded,
    int skipped,
    int failed,
    int timedOut,
    int currentStage,
    List<StageProgress> stages) {

  public RolloutProgress {
    stages = stages == null ? List.of() : List.copyOf(stages);
  }

  public RolloutProgress(
      RolloutStatus status,
      int total,
      int started,
      int inFlight,
      int succeeded,
      int skipped,
      int failed,
      int timedOut) {
    this(status, total, started, inFlight, succeeded, skipped, failed, timedOut, 0, List.of());
  }
}
