package dev.firmament.orchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every rollout workflow test again with batched delivery: first offers started three devices to a
 * delivery activity, reports signalled to the stage ({@link DeliverySlice}, {@link DeviceReport});
 * plus what only batched delivery does.
 */
class SlicedRolloutWorkflowTest extends RolloutWorkflowTest {

  @Override
  int deliverySlice() {
    return 3;
  }

  @Test
  void aStageOffersItsDevicesInSlicesAndCountsAReportThatArrivesTwiceOnce() {
    FakeFleet fleet = fleet(10);
    fleet.duplicateReports = true;

    RolloutProgress result =
        run(
            fleet,
            new RolloutRequest(JOB, 10, Duration.ofMinutes(10), 10, RolloutPlan.singleStage(10)));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(10);
    assertThat(result.stages().getFirst().counters().started()).isEqualTo(10);
    assertThat(fleet.deliveries).hasSize(10).doesNotHaveDuplicates();
    // Ten devices, slices of three: four delivery activities in the stage's history, not ten.
    assertThat(fleet.sliceSizes).containsExactlyInAnyOrder(3, 3, 3, 1);
    List<String> deliveries = deliveryActivities();
    assertThat(deliveries)
        .containsExactly("DeliverSlice", "DeliverSlice", "DeliverSlice", "DeliverSlice");
  }

  @Test
  void anOfflineDeviceInASliceWaitsWithoutASlotWhileTheOthersAreOffered() {
    FakeFleet fleet = fleet(6);
    fleet.offline.add("dev-001");
    RolloutPlan plan = RolloutPlan.singleStage(6).withExpiry(Duration.ofHours(1));

    RolloutProgress result =
        run(fleet, new RolloutRequest(JOB, 6, Duration.ofMinutes(10), 10, plan));

    assertThat(result.succeeded()).isEqualTo(5);
    assertThat(result.timedOut()).isEqualTo(1);
    assertThat(fleet.deliveries).hasSize(5).doesNotContain("dev-001#1");
    assertThat(fleet.events).contains("waiting dev-001", "expired dev-001");
    assertThat(fleet.sliceSizes).containsExactlyInAnyOrder(3, 3);
  }

  @Test
  void aWaitingDeviceThatConnectsWhileItsSliceWorksIsNotTheSlicesToSettle() throws Exception {
    // Three at a time, in the stage's order (dev-000, dev-002, dev-004, dev-001): the first slice
    // holds dev-000 (slow), dev-002 (offline: it waits, and connects at once) and dev-004, whose
    // end reaches the stage together with dev-002's wait; two slots free, the run starts dev-001,
    // ends its page and serves dev-002 on an activity of its own, which outlives the first slice.
    FakeFleet fleet = fleet(5);
    fleet.targets.remove("dev-003");
    fleet.holdAtOnceReports = true;
    fleet.offline.add("dev-002");
    fleet.slowMillis.put("dev-000", 2_000L);
    fleet.slowMillis.put("dev-002", 4_000L);
    fleet.slowMillis.put("dev-004", 300L);
    RolloutPlan plan = RolloutPlan.singleStage(3).withExpiry(Duration.ofHours(1));

    WorkflowStub stub = start(fleet, new RolloutRequest(JOB, 3, Duration.ofMinutes(10), 10, plan));
    while (!fleet.waiting.contains("dev-002")) {
      Thread.sleep(5);
    }
    fleet.offline.remove("dev-002");
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.succeeded()).isEqualTo(4);
    assertThat(fleet.unreported).isEmpty();
    assertThat(fleet.deliveries)
        .containsExactlyInAnyOrder("dev-000#1", "dev-001#1", "dev-002#1", "dev-004#1");
  }

  @Test
  void aRunTakesTheDevicesTheLastRunHandedOverInASlice() {
    FakeFleet fleet = fleet(10);
    fleet.slowMillis.put("dev-000", 1_500L);
    fleet.slowMillis.put("dev-002", 1_500L);

    RolloutProgress result =
        run(
            fleet,
            new RolloutRequest(JOB, 20, Duration.ofMinutes(10), 5, RolloutPlan.singleStage(20)));

    assertThat(result.succeeded()).isEqualTo(10);
    assertThat(fleet.deliveries).hasSize(10).doesNotHaveDuplicates();
    // The first page's slow devices went to the next run, which took them over in one slice; no
    // delivery in the stage's history went one device at a time.
    assertThat(fleet.resumedSlices).isNotEmpty();
    assertThat(fleet.resumed).isNotEmpty();
    List<String> deliveries = deliveryActivities();
    assertThat(deliveries).isNotEmpty().containsOnly("DeliverSlice");
  }

  /** The delivery activities every run of the first stage scheduled, by type, in order. */
  private List<String> deliveryActivities() {
    return runs(TaskQueues.stageWorkflowId(JOB, 0)).stream()
        .flatMap(List::stream)
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
        .filter(a -> a.getTaskQueue().getName().equals(TaskQueues.DELIVERY))
        .map(a -> a.getActivityType().getName())
        .toList();
  }
}
