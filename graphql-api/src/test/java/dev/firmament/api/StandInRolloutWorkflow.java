package dev.firmament.api;

import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.RolloutProgress;
import dev.firmament.orchestrator.rollout.RolloutRequest;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.RolloutWorkflow;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.StageProgress;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits until it is canceled or aborted, recording the controls it receives: the API's tests check
 * that a rollout was started, with what, and which controls reached it.
 */
public class StandInRolloutWorkflow implements RolloutWorkflow {
  private final List<String> controls = new ArrayList<>();
  private boolean stopped;

  @Override
  public RolloutProgress run(RolloutRequest request) {
    Workflow.await(() -> stopped || controls.contains("complete"));
    return progress();
  }

  @Override
  public RolloutProgress progress() {
    return new RolloutProgress(RolloutStatus.SUCCEEDED, 0, 0, 0, 0, 0, 0, 0);
  }

  @Override
  public void approve() {
    controls.add("approve");
  }

  @Override
  public void pause() {
    controls.add("pause");
  }

  @Override
  public void resume() {
    controls.add("resume");
  }

  @Override
  public void promote() {
    controls.add("promote");
  }

  @Override
  public void cancel(boolean rollback) {
    controls.add("cancel:" + rollback);
    stopped = true;
  }

  @Override
  public void retryFailed() {
    controls.add("retryFailed");
  }

  @Override
  public void devicesOnline() {
    controls.add("devicesOnline");
  }

  @Override
  public void stageReport(StageProgress stage) {}

  @Override
  public void stageRecount(int stageIndex, StageCounters counters) {}

  @Override
  public void abort(String reason) {
    controls.add("abort");
    stopped = true;
  }

  @Override
  public void validateReplan(RolloutPlan plan) {
    if (stopped) {
      throw new IllegalStateException("stopped");
    }
  }

  @Override
  public RolloutPlan replan(RolloutPlan plan) {
    controls.add("replan");
    return plan;
  }
}
