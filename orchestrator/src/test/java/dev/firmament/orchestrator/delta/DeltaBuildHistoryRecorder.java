package dev.firmament.orchestrator.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.replay.RecordedHistories;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Records a history of the delta-build workflow for {@code WorkflowReplayTest}, on purpose only:
 * {@code ./mvnw -pl orchestrator verify -Dtest=DeltaBuildHistoryRecorder
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfirmament.recordHistories=delta-build}. Record new
 * histories for new behaviour, never rewrite old ones (see {@link RecordedHistories}).
 */
class DeltaBuildHistoryRecorder {

  /**
   * Four sources built two at a time: two published, one whose activity keeps failing (retried on
   * the stub), one refused as an invalid pair (not retried).
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "delta-build")
  void recordDeltaBuild() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(DeltaTaskQueues.DELTA);
      worker.registerWorkflowImplementationTypes(DeltaBuildWorkflowImpl.class);
      worker.registerActivitiesImplementations(
          new DeltaBuildWorkflowTest.FakeActivities(
              List.of("fw-1", "fw-2", "fw-3", "fw-4"),
              Map.of(
                  "fw-2",
                  new IllegalStateException("store unreachable"),
                  "fw-3",
                  ApplicationFailure.newNonRetryableFailure(
                      "different products", DeltaFailures.INVALID_PAIR))));
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      String workflowId = DeltaTaskQueues.deltaBuildWorkflowId("fw-9");
      DeltaBuildWorkflow workflow =
          client.newWorkflowStub(
              DeltaBuildWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(workflowId)
                  .setTaskQueue(DeltaTaskQueues.DELTA)
                  .build());

      DeltaBuildReport report = workflow.build(new DeltaBuildRequest("fw-9", 2));

      assertThat(report.count(DeltaStatus.PUBLISHED)).isEqualTo(2);
      assertThat(report.count(DeltaStatus.FAILED)).isEqualTo(2);
      RecordedHistories.write(
          "delta-build-two-published-two-failed.json", client.fetchHistory(workflowId));
    }
  }
}
