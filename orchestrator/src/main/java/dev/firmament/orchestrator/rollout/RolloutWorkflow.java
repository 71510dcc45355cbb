package dev.firmament.orchestrator.rollout;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One {@code FirmwareOTAJob}: waits for its start time and approval, runs its stages one after the
 * other (each a {@link StageWorkflow} child), applies gate breaches and operator controls, and
 * records every transition. Its workflow id is {@link TaskQueues#rolloutWorkflowId(String)}.
 */
@WorkflowInterface
public interface RolloutWorkflow {

  @WorkflowMethod
  RolloutProgress run(RolloutRequest request);

  @QueryMethod
  RolloutProgress progress();

  /** Approves the rollout's start, or the next stage that waits for an approval. */
  @SignalMethod
  void approve();

  @SignalMethod
  void pause();

  @SignalMethod
  void resume();

  /** Skips the current stage's soak. */
  @SignalMethod
  void promote();

  /**
   * Stops the rollout: no new device starts, running ones finish; with {@code rollback} the devices
   * it changed then get their previous version back.
   */
  @SignalMethod
  void cancel(boolean rollback);

  /** Queues every failed device of the rollout so far for a new attempt in the current stage. */
  @SignalMethod
  void retryFailed();

  /** Sent by the running stage when its status or counters change (at most once per page). */
  @SignalMethod
  void stageReport(StageProgress stage);

  /**
   * Sent by the running stage after a retry moved an earlier stage's failed devices into it: that
   * earlier stage's counts as stored now (its status stays as it ended).
   */
  @SignalMethod
  void stageRecount(int stageIndex, StageCounters counters);

  /** The rollout's firmware was invalidated: stop as ABORTED. */
  @SignalMethod
  void abort(String reason);

  /**
   * Replaces the plan of a rollout that waits for its start time (status {@code SCHEDULED}): its
   * start, window and stages. Returns the plan it will run.
   */
  @UpdateMethod
  RolloutPlan replan(RolloutPlan plan);

  /** Refuses a new plan once the rollout left {@code SCHEDULED} or was stopped. */
  @UpdateValidatorMethod(updateName = "replan")
  void validateReplan(RolloutPlan plan);

  /** A device that waits for its presence connected; the running stage is told. */
  @SignalMethod
  void devicesOnline();
}
