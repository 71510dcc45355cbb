package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.StatusUtils;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * On start, finds rollouts that PostgreSQL shows as running but Temporal no longer knows (the
 * embedded Temporal keeps its state in memory) and marks them INTERRUPTED with their open device
 * results CANCELED, so none is left dangling. A namespace Temporal does not know stops the start
 * with a clear error instead: every rollout would look lost.
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
    // Every job is looked up before any is changed, so that an answer that is not about the
    // workflow (an unknown namespace, an unreachable server) stops the reconciliation having
    // changed nothing.
    List<OtaJobsRecord> lost =
        jobs.unfinishedJobs().stream().filter(job -> !temporalKnows(job.getWorkflowId())).toList();
    for (OtaJobsRecord job : lost) {
      int ended =
          results.endOpenResults(
              job.getId(), DeviceUpdateState.CANCELED, "rollout interrupted: orchestrator lost it");
      jobs.finishJob(job.getId(), RolloutStatus.INTERRUPTED);
      log.warn("rollout interrupted job={} openResultsCanceled={}", job.getId(), ended);
    }
  }

  /**
   * Whether Temporal knows the workflow. Temporal answers NOT_FOUND both for an unknown workflow
   * and for an unknown namespace; only the first means the rollout was lost.
   *
   * @throws UnknownNamespaceException when the configured namespace does not exist
   */
  boolean temporalKnows(String workflowId) {
    String namespace = client.getOptions().getNamespace();
    try {
      client
          .getWorkflowServiceStubs()
          .blockingStub()
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(namespace)
                  .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                  .build());
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
      if (StatusUtils.hasFailure(e, NamespaceNotFoundFailure.class)) {
        throw new UnknownNamespaceException(namespace, e);
      }
      return false;
    }
  }

  /** The configured Temporal namespace does not exist: nothing can be reconciled, or run. */
  public static final class UnknownNamespaceException extends IllegalStateException {
    UnknownNamespaceException(String namespace, Throwable cause) {
      super(
          "Temporal has no namespace '"
              + namespace
              + "': set firmament.temporal.namespace (FIRMAMENT_TEMPORAL_NAMESPACE) to an existing"
              + " namespace; no rollout was changed",
          cause);
    }
  }
}
