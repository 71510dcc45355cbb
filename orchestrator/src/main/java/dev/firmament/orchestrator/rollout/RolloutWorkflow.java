package dev.firmament.orchestrator.rollout;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One {@code FirmwareOTAJob}: updates the targeted devices with bounded concurrency and records the
 * outcome. Its workflow id is {@link TaskQueues#rolloutWorkflowId(String)}.
 */
@WorkflowInterface
public interface RolloutWorkflow {

  @WorkflowMethod
  RolloutProgress run(RolloutRequest request);

  @QueryMethod
  RolloutProgress progress();
}
