package dev.firmament.orchestrator.delta;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeltaBuildWorkflowTest {
  private TestWorkflowEnvironment env;
  private Worker worker;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    worker = env.newWorker(DeltaTaskQueues.DELTA);
    worker.registerWorkflowImplementationTypes(DeltaBuildWorkflowImpl.class);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void buildsOneDeltaPerSourceWithinTheParallelismBound() {
    List<String> sources = IntStream.range(0, 7).mapToObj(i -> "src-" + i).toList();
    FakeActivities activities = new FakeActivities(sources, Map.of());
    worker.registerActivitiesImplementations(activities);
    env.start();

    DeltaBuildReport report = run(new DeltaBuildRequest("fw-9", 3));

    assertThat(report.status()).isEqualTo(DeltaBuildStatus.DONE);
    assertThat(report.results())
        .extracting(DeltaBuildResult::fromFirmwareId)
        .containsExactlyElementsOf(sources);
    assertThat(report.count(DeltaStatus.PUBLISHED)).isEqualTo(7);
    assertThat(activities.maxConcurrent.get()).isLessThanOrEqualTo(3).isGreaterThan(1);
    assertThat(activities.recorded).containsEntry("fw-9", DeltaBuildStatus.DONE);
  }

  @Test
  void aPairThatKeepsFailingIsReportedAndTheOthersStillBuild() {
    FakeActivities activities =
        new FakeActivities(
            List.of("good", "bad", "invalid"),
            Map.of(
                "bad",
                new IllegalStateException("store unreachable"),
                "invalid",
                ApplicationFailure.newNonRetryableFailure(
                    "different products", DeltaFailures.INVALID_PAIR)));
    worker.registerActivitiesImplementations(activities);
    env.start();

    DeltaBuildReport report = run(new DeltaBuildRequest("fw-1", 2));

    assertThat(report.status()).isEqualTo(DeltaBuildStatus.DONE);
    assertThat(report.results())
        .extracting(DeltaBuildResult::status)
        .containsExactly(DeltaStatus.PUBLISHED, DeltaStatus.FAILED, DeltaStatus.FAILED);
    assertThat(report.results().get(2).reason()).contains(DeltaFailures.INVALID_PAIR);
    // Retries are declared on the stub: three attempts for a transient failure, one for bad input.
    assertThat(activities.attempts.get("bad").get()).isEqualTo(3);
    assertThat(activities.attempts.get("invalid").get()).isEqualTo(1);
  }

  @Test
  void anUnknownFirmwareEndsFailedWithoutRetrying() {
    FakeActivities activities = new FakeActivities(null, Map.of());
    worker.registerActivitiesImplementations(activities);
    env.start();

    DeltaBuildReport report = run(new DeltaBuildRequest("missing", 2));

    assertThat(report.status()).isEqualTo(DeltaBuildStatus.FAILED);
    assertThat(report.results()).isEmpty();
    assertThat(activities.sourceCalls.get()).isEqualTo(1);
    assertThat(activities.recorded).containsEntry("missing", DeltaBuildStatus.FAILED);
  }

  private DeltaBuildReport run(DeltaBuildRequest request) {
    DeltaBuildWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                DeltaBuildWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(DeltaTaskQueues.deltaBuildWorkflowId(request.firmwareId()))
                    .setTaskQueue(DeltaTaskQueues.DELTA)
                    .build());
    WorkflowClient.start(workflow::build, request);
    return workflow.build(request);
  }

  static final class FakeActivities implements DeltaBuildActivities {
    private final List<String> sources;
    private final Map<String, RuntimeException> failures;
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    final AtomicInteger sourceCalls = new AtomicInteger();
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final Map<String, DeltaBuildStatus> recorded = new ConcurrentHashMap<>();

    FakeActivities(List<String> sources, Map<String, RuntimeException> failures) {
      this.sources = sources;
      this.failures = failures;
    }

    @Override
    public List<String> sourcesFor(String firmwareId) {
      sourceCalls.incrementAndGet();
      if (sources == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "no firmware " + firmwareId, DeltaFailures.FIRMWARE_NOT_FOUND);
      }
      return sources;
    }

    @Override
    public DeltaBuildResult buildDelta(String fromFirmwareId, String toFirmwareId) {
      attempts.computeIfAbsent(fromFirmwareId, k -> new AtomicInteger()).incrementAndGet();
      int now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(50);
        RuntimeException failure = failures.get(fromFirmwareId);
        if (failure != null) {
          throw failure;
        }
        return new DeltaBuildResult(
            fromFirmwareId,
            toFirmwareId,
            "v-" + fromFirmwareId,
            DeltaStatus.PUBLISHED,
            "NATIVE",
            100,
            "00".repeat(32),
            "delta",
            1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        concurrent.decrementAndGet();
      }
    }

    @Override
    public void recordBuildStatus(String firmwareId, DeltaBuildStatus status) {
      recorded.put(firmwareId, status);
    }
  }
}
