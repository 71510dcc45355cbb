package dev.firmament.orchestrator.delta;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Builds the deltas towards one uploaded firmware: from the product's most recent other versions
 * and from every version devices still run. Its workflow id is {@link
 * DeltaTaskQueues#deltaBuildWorkflowId(String)}; it runs on {@link DeltaTaskQueues#DELTA}.
 */
@WorkflowInterface
public interface DeltaBuildWorkflow {

  @WorkflowMethod
  DeltaBuildReport build(DeltaBuildRequest request);
}
