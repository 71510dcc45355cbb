package dev.firmament.workers.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.workers.FakeTemporalFrontend;
import dev.firmament.workers.TestDatabase;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.errordetails.v1.NotFoundFailure;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.serviceclient.StatusUtils;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.DefaultApplicationArguments;

/**
 * The start-up reconciliation against a Temporal frontend that answers as Temporal does: NOT_FOUND
 * with a {@code NotFoundFailure} for a workflow it does not know, NOT_FOUND with a {@code
 * NamespaceNotFoundFailure} for a namespace it does not know.
 */
class InterruptedRolloutsTest {
  private static final String NAMESPACE = "firmament";

  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static ResultTransitions transitions;
  private static JobRecords jobs;
  private static FakeTemporalFrontend temporal;

  /** The workflow ids the fake frontend knows in {@link #NAMESPACE}. */
  private static final Set<String> known = ConcurrentHashMap.newKeySet();

  private SevenDevices fleet;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    transitions = new ResultTransitions(dsl);
    jobs = new JobRecords(dsl, new JobTargets(dsl, transitions), transitions);
    temporal = FakeTemporalFrontend.start(new Frontend());
  }

  @AfterAll
  static void stop() {
    temporal.close();
    database.close();
  }

  @BeforeEach
  void seed() {
    fleet = SevenDevices.seed(database);
  }

  @Test
  void aRolloutTemporalDoesNotKnowIsInterruptedAndOnlyThatOne() {
    OtaJobsRecord lost = startedJob();
    OtaJobsRecord running = startedJob();
    known.add(running.getWorkflowId());

    reconcile(NAMESPACE);

    assertThat(status(lost)).isEqualTo("INTERRUPTED");
    assertThat(fleet.result(lost.getId(), fleet.device(0)).getState())
        .isEqualTo(DeviceUpdateState.CANCELED.name());
    assertThat(status(running)).isEqualTo(running.getStatus());
    assertThat(fleet.result(running.getId(), fleet.device(0)).getState()).isEqualTo("QUEUED");
  }

  @Test
  void anUnknownNamespaceStopsTheReconciliationAndChangesNothing() {
    OtaJobsRecord first = startedJob();
    OtaJobsRecord second = startedJob();

    assertThatThrownBy(() -> reconcile("firmamnet"))
        .isInstanceOf(InterruptedRollouts.UnknownNamespaceException.class)
        .hasMessageContaining("no namespace 'firmamnet'")
        .hasMessageContaining("no rollout was changed");

    for (OtaJobsRecord job : new OtaJobsRecord[] {first, second}) {
      assertThat(status(job)).isEqualTo(job.getStatus());
      assertThat(fleet.result(job.getId(), fleet.device(0)).getState()).isEqualTo("QUEUED");
    }
  }

  private OtaJobsRecord startedJob() {
    OtaJobsRecord job = fleet.job(null);
    jobs.startJob(job);
    return jobs.job(job.getId()).orElseThrow();
  }

  private static String status(OtaJobsRecord job) {
    return jobs.job(job.getId()).orElseThrow().getStatus();
  }

  private static void reconcile(String namespace) {
    new InterruptedRollouts(jobs, transitions, temporal.client(namespace))
        .run(new DefaultApplicationArguments());
  }

  /** Describes workflows as Temporal's frontend does, for one namespace. */
  private static final class Frontend extends FakeTemporalFrontend.Service {
    @Override
    public void describeWorkflowExecution(
        DescribeWorkflowExecutionRequest request,
        StreamObserver<DescribeWorkflowExecutionResponse> response) {
      if (!request.getNamespace().equals(NAMESPACE)) {
        response.onError(
            StatusUtils.newException(
                Status.NOT_FOUND.withDescription(
                    "Namespace " + request.getNamespace() + " is not found."),
                NamespaceNotFoundFailure.newBuilder().setNamespace(request.getNamespace()).build(),
                NamespaceNotFoundFailure.getDescriptor()));
      } else if (!known.contains(request.getExecution().getWorkflowId())) {
        response.onError(
            StatusUtils.newException(
                Status.NOT_FOUND.withDescription("workflow execution not found"),
                NotFoundFailure.getDefaultInstance(),
                NotFoundFailure.getDescriptor()));
      } else {
        response.onNext(DescribeWorkflowExecutionResponse.getDefaultInstance());
        response.onCompleted();
      }
    }
  }
}
