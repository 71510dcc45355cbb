package dev.firmament.orchestrator.rollout;

import java.time.Duration;

/**
 * Input of {@link StageWorkflow}: the stage's plan and the rollout settings it needs, plus what a
 * previous run of the same stage carried over. Device ids are read from the database page by page,
 * never passed in.
 *
 * @param jobId the rollout's job id
 * @param index the stage's index
 * @param kind UPDATE or ROLLBACK
 * @param plan the stage's plan
 * @param retry per-device retries
 * @param window maintenance window, or null
 * @param deviceTimeout how long one device may take from offer to final report
 * @param pageSize device ids per page (and per run: the stage continues as new after each page)
 * @param absorbJoiners whether devices that joined the targets are added to this stage at its end
 * @param carry state from the previous run
 */
public record StageRequest(
    String jobId,
    int index,
    StageKind kind,
    StagePlan plan,
    RetryPolicy retry,
    MaintenanceWindow window,
    Duration deviceTimeout,
    int pageSize,
    boolean absorbJoiners,
    StageCarry carry) {

  public StageRequest withCarry(StageCarry next) {
    return new StageRequest(
        jobId, index, kind, plan, retry, window, deviceTimeout, pageSize, absorbJoiners, next);
  }
}
