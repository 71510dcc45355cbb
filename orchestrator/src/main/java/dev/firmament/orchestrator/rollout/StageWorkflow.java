package dev.firmament.orchestrator.rollout;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * One stage of a rollout, a child of {@link RolloutWorkflow} with the id {@link
 * TaskQueues#stageWorkflowId(String, int)}. It continues as new after every page of devices, so its
 * history stays bounded whatever the stage's size. The parent forwards operator controls to it.
 */
@WorkflowInterface
public interface StageWorkflow {

  @WorkflowMethod
  StageResult run(StageRequest request);

  @QueryMethod
  StageProgress progress();

  /** Stop starting devices; running ones finish. */
  @SignalMethod
  void pause();

  @SignalMethod
  void resume();

  /** Skip the rest of the soak. */
  @SignalMethod
  void promote();

  /** Stop starting devices, let running ones finish, end CANCELED. */
  @SignalMethod
  void cancel();

  /** Stop starting devices, let running ones finish, end ABORTED. */
  @SignalMethod
  void abort(String reason);

  /** Queue the stage's failed devices again for a new attempt. */
  @SignalMethod
  void retryFailed();

  /**
   * A device that waits for its presence connected: the stage looks for waiting devices to offer.
   */
  @SignalMethod
  void devicesOnline();

  /**
   * Devices of a batched delivery ({@link DeviceUpdateActivities#deliverSlice}) ended their
   * attempt, or wait offline. Reports of attempts the stage does not hold open are ignored, so a
   * report sent twice counts once.
   */
  @SignalMethod
  void deviceReports(List<DeviceReport> reports);
}
