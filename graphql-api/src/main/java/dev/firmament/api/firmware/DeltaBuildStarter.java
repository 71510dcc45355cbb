package dev.firmament.api.firmware;

import dev.firmament.orchestrator.delta.DeltaBuildRequest;
import dev.firmament.orchestrator.delta.DeltaBuildStatus;
import dev.firmament.orchestrator.delta.DeltaBuildWorkflow;
import dev.firmament.orchestrator.delta.DeltaTaskQueues;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Starts the delta build of a committed upload. The upload never depends on it: a start that fails
 * is logged and recorded as the firmware's {@code deltaBuildStatus = FAILED}.
 */
@Component
public class DeltaBuildStarter {
  private static final Logger log = LoggerFactory.getLogger(DeltaBuildStarter.class);

  private final WorkflowClient workflows;
  private final FirmwareRepository firmware;
  private final int maxParallel;

  public DeltaBuildStarter(
      WorkflowClient workflows,
      FirmwareRepository firmware,
      @Value("${firmament.delta.max-parallel:2}") int maxParallel) {
    this.workflows = workflows;
    this.firmware = firmware;
    this.maxParallel = Math.max(1, maxParallel);
  }

  /** Starts {@code delta-build/{firmwareId}}; returns the build status the firmware now has. */
  public DeltaBuildStatus start(UUID firmwareId) {
    String workflowId = DeltaTaskQueues.deltaBuildWorkflowId(firmwareId.toString());
    DeltaBuildWorkflow workflow =
        workflows.newWorkflowStub(
            DeltaBuildWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(DeltaTaskQueues.DELTA)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(
          workflow::build, new DeltaBuildRequest(firmwareId.toString(), maxParallel));
      log.info("delta build started workflowId={}", workflowId);
      return DeltaBuildStatus.PENDING;
    } catch (WorkflowExecutionAlreadyStarted e) {
      // Same business key: the build already runs (or ran) for this firmware.
      return DeltaBuildStatus.PENDING;
    } catch (RuntimeException e) {
      log.warn("delta build start failed workflowId={} error={}", workflowId, e.toString());
      firmware.setDeltaBuildStatus(firmwareId, DeltaBuildStatus.FAILED);
      return DeltaBuildStatus.FAILED;
    }
  }
}
