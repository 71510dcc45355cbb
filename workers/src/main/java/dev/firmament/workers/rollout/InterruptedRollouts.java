package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * On start, finds rollouts that PostgreSQL shows as running but Temporal no longer knows (the
 * embedded Temporal keeps its state in memory) and marks them INTERRUPTED with their open device
 * results CANCELED, so none is left dangling.
 */
@Component
public class InterruptedRollouts implements ApplicationRunner {
  private static final Logger log = LoggerFactory.getLogger(InterruptedRollouts.class);

  private final JobRecords jobs;
  private final ResultTransitions results;
  private final WorkflowClient client;

  public InterruptedRollouts(JobRecords jobs, ResultTransitions results, WorkflowClient client) {
    this.jobs = jobs;
    this.results = results;
    this.client = client;
  }

  @Override
  public void run(ApplicationArguments args) {
    for (OtaJobsRecord job : jobs.unfinishedJobs()) {
      if (!temporalKnows(job.getWorkflowId())) {
        int ended =
            results.endOpenResults(
                job.getId(),
                DeviceUpdateState.CANCELED,
                "rollout interrupted: orchestrator lost it");
        jobs.finishJob(job.getId(), RolloutStatus.INTERRUPTED);
        log.warn("rollout interrupted job={} openResultsCanceled={}", job.getId(), ended);
      }
    }
  }

  private boolean temporalKnows(String workflowId) {
    try {
      client
          .getWorkflowServiceStubs()
          .blockingStub()
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(client.getOptions().getNamespace())
                  .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                  .build());
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }
}
