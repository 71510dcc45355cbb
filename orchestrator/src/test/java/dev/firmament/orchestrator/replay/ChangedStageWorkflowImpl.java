package dev.firmament.orchestrator.replay;

import dev.firmament.orchestrator.rollout.RolloutActivities;
import dev.firmament.orchestrator.rollout.StageRequest;
import dev.firmament.orchestrator.rollout.StageResult;
import dev.firmament.orchestrator.rollout.engine.StageWorkflowImpl;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * A deliberately changed stage workflow, shipped without {@code Workflow.getVersion}: before
 * anything else a run reads its stage's stored counters, a command no recorded run has at that
 * point. Replaying a recorded history with it must fail, which proves the replay test can fail.
 */
public class ChangedStageWorkflowImpl extends StageWorkflowImpl {
  private final RolloutActivities bookkeeping =
      Workflow.newActivityStub(
          RolloutActivities.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

  @Override
  public StageResult run(StageRequest request) {
    bookkeeping.storedCounters(request.jobId(), request.index());
    return super.run(request);
  }
}
