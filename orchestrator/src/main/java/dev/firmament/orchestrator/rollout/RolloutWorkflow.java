package dev.firmament.orchestrator.rollout;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
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

  /** Queues the current stage's failed devices for a new attempt. */
  @SignalMethod
  void retryFailed();

  /** Sent by the running stage when its status or counters change (at most once per page). */
  @SignalMethod
  void stageReport(StageProgress stage);

  /** The rollout's firmware was invalidated: stop as ABORTED. */
  @SignalMethod
  void abort(String reason);
}
