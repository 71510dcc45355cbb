package dev.firmament.orchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
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
    List<String> deliveries =
        runs(TaskQueues.stageWorkflowId(JOB, 0)).stream()
            .flatMap(List::stream)
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
            .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
            .filter(a -> a.getTaskQueue().getName().equals(TaskQueues.DELIVERY))
            .map(a -> a.getActivityType().getName())
            .toList();
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
}
