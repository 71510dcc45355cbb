package dev.firmament.orchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.activity.Activity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RolloutWorkflowTest {
  private TestWorkflowEnvironment env;
  private Worker rolloutWorker;
  private Worker deliveryWorker;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    rolloutWorker = env.newWorker(TaskQueues.ROLLOUT);
    rolloutWorker.registerWorkflowImplementationTypes(RolloutWorkflowImpl.class);
    deliveryWorker = env.newWorker(TaskQueues.DELIVERY);
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void updatesEveryTargetAcrossPagesWithinTheConcurrencyBound() {
    List<String> targets = devices(23);
    Bookkeeping bookkeeping = new Bookkeeping(targets);
    Delivery delivery = new Delivery(Map.of("dev-003", DeviceUpdateState.SKIPPED));
    register(bookkeeping, delivery);

    RolloutProgress result = run(new RolloutRequest("job-1", 4, Duration.ofMinutes(5), 5));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.total()).isEqualTo(23);
    assertThat(result.started()).isEqualTo(23);
    assertThat(result.inFlight()).isZero();
    assertThat(result.succeeded()).isEqualTo(22);
    assertThat(result.skipped()).isEqualTo(1);
    assertThat(delivery.updated.keySet()).containsExactlyInAnyOrderElementsOf(targets);
    assertThat(delivery.maxConcurrent.get()).isLessThanOrEqualTo(4).isGreaterThan(1);
    assertThat(bookkeeping.finalStatus).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(bookkeeping.pagesServed.get()).isEqualTo(5);
  }

  @Test
  void aSilentDeviceTimesOutAndTheRolloutEndsFailed() {
    List<String> targets = devices(3);
    Bookkeeping bookkeeping = new Bookkeeping(targets);
    Delivery delivery = new Delivery(Map.of("dev-001", DeviceUpdateState.QUEUED));
    register(bookkeeping, delivery);

    // The test server does not skip time past an activity left open for asynchronous completion,
    // so this test uses a short timeout on the real clock.
    RolloutProgress result = run(new RolloutRequest("job-2", 10, Duration.ofSeconds(2), 100));

    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    assertThat(result.timedOut()).isEqualTo(1);
    assertThat(result.succeeded()).isEqualTo(2);
    assertThat(bookkeeping.unreported).containsExactly("dev-001:TIMED_OUT");
    assertThat(bookkeeping.finalStatus).isEqualTo(RolloutStatus.FAILED);
  }

  @Test
  void deviceReportedFailuresCountAsFailed() {
    List<String> targets = devices(4);
    Bookkeeping bookkeeping = new Bookkeeping(targets);
    Delivery delivery =
        new Delivery(
            Map.of("dev-000", DeviceUpdateState.FAILED, "dev-002", DeviceUpdateState.REJECTED));
    register(bookkeeping, delivery);

    RolloutProgress result = run(new RolloutRequest("job-3", 2, Duration.ofMinutes(5), 100));

    assertThat(result.failed()).isEqualTo(2);
    assertThat(result.succeeded()).isEqualTo(2);
    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    assertThat(bookkeeping.unreported).isEmpty();
  }

  @Test
  void aProductWithoutTargetsFinishesAtOnce() {
    Bookkeeping bookkeeping = new Bookkeeping(List.of());
    register(bookkeeping, new Delivery(Map.of()));

    RolloutProgress result = run(new RolloutRequest("job-4", 2, Duration.ofMinutes(5), 100));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.total()).isZero();
  }

  private void register(Bookkeeping bookkeeping, Delivery delivery) {
    rolloutWorker.registerActivitiesImplementations(bookkeeping);
    deliveryWorker.registerActivitiesImplementations(delivery);
    env.start();
  }

  private RolloutProgress run(RolloutRequest request) {
    RolloutWorkflow workflow =
        client.newWorkflowStub(
            RolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.ROLLOUT)
                .setWorkflowId(TaskQueues.rolloutWorkflowId(request.jobId()))
                .build());
    return workflow.run(request);
  }

  private static List<String> devices(int count) {
    return IntStream.range(0, count).mapToObj(i -> String.format("dev-%03d", i)).toList();
  }

  /** Serves targets from a list, page by page, and records what the workflow writes. */
  static final class Bookkeeping implements RolloutActivities {
    private final List<String> targets;
    final AtomicInteger pagesServed = new AtomicInteger();
    final List<String> unreported = new ArrayList<>();
    volatile RolloutStatus finalStatus;

    Bookkeeping(List<String> targets) {
      this.targets = targets;
    }

    @Override
    public int startJob(String jobId) {
      return targets.size();
    }

    @Override
    public TargetPage listTargets(String jobId, String afterDeviceId, int limit) {
      pagesServed.incrementAndGet();
      List<String> page =
          targets.stream()
              .filter(id -> afterDeviceId == null || id.compareTo(afterDeviceId) > 0)
              .limit(limit)
              .toList();
      String next = page.size() == limit ? page.getLast() : null;
      return new TargetPage(page, next);
    }

    @Override
    public synchronized void recordUnreported(
        String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail) {
      unreported.add(deviceId + ":" + state);
    }

    @Override
    public void finishJob(String jobId, RolloutStatus status) {
      finalStatus = status;
    }
  }

  /**
   * Answers for each device with a scripted final state; QUEUED means the device never answers, so
   * the activity is left to time out, as the real delivery activity does with a silent device.
   */
  static final class Delivery implements DeviceUpdateActivities {
    private final Map<String, DeviceUpdateState> script;
    final Map<String, DeviceUpdateState> updated = new ConcurrentHashMap<>();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();

    Delivery(Map<String, DeviceUpdateState> script) {
      this.script = script;
    }

    @Override
    public DeviceUpdateOutcome updateDevice(DeviceUpdateRequest request) {
      DeviceUpdateState state =
          script.getOrDefault(request.deviceId(), DeviceUpdateState.SUCCEEDED);
      if (state == DeviceUpdateState.QUEUED) {
        Activity.getExecutionContext().doNotCompleteOnReturn();
        return null;
      }
      int now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        concurrent.decrementAndGet();
      }
      updated.put(request.deviceId(), state);
      return new DeviceUpdateOutcome(request.deviceId(), state, null, 1024);
    }
  }
}
