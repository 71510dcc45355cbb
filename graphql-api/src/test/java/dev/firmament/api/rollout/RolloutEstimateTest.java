package dev.firmament.api.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RolloutEstimateTest {
  private static final OffsetDateTime NOW = OffsetDateTime.parse("2026-12-04T12:00:00Z");

  /** Every night from 02:00 to 04:00 UTC. */
  private static final MaintenanceWindow NIGHTLY =
      new MaintenanceWindow("0 0 2 * * *", Duration.ofHours(2), "UTC");

  private static OtaJob job(String status, OffsetDateTime startedAt, int total) {
    return new OtaJob(
        UUID.randomUUID(),
        UUID.randomUUID(),
        UUID.randomUUID(),
        "2.0.0",
        null,
        status,
        10,
        "rollout/x",
        total,
        NOW.minusDays(1),
        startedAt,
        null,
        "a@example.test",
        null);
  }

  private static StagePlan stage(String name, Duration soak) {
    return new StagePlan(
        name, StageSelection.percent(50), 5, null, soak, null, AdvanceMode.AUTOMATIC);
  }

  private static OtaStage recorded(
      int index, OffsetDateTime soakStartedAt, OffsetDateTime finishedAt) {
    return new OtaStage(
        index,
        "s" + index,
        "UPDATE",
        finishedAt == null ? "SOAKING" : "SUCCEEDED",
        5,
        5,
        0,
        5,
        0,
        0,
        0,
        0,
        0,
        0,
        null,
        finishedAt,
        NOW.minusHours(3),
        soakStartedAt,
        null,
        null);
  }

  @Test
  void soakTimeIsLeftOutOfThePaceAndTheSoaksStillAheadAreAdded() {
    // Two stages of one-hour and half-hour soaks; the first has soaked for 10 of its 60 minutes.
    RolloutPlan plan =
        new RolloutPlan(
            List.of(stage("a", Duration.ofHours(1)), stage("b", Duration.ofMinutes(30))),
            null,
            null,
            null,
            false);
    OtaJob running = job("RUNNING", NOW.minusMinutes(110), 10);
    List<OtaStage> stages = List.of(recorded(0, NOW.minusMinutes(10), null));

    // 5 of 10 finished in 100 minutes of delivery (110 minus the 10 soaked): 100 minutes more,
    // then the 50 minutes left of the first soak and the whole 30 of the second.
    assertThat(
            RolloutEstimate.finish(running, Map.of("SUCCEEDED", 5, "QUEUED", 5), plan, stages, NOW))
        .isEqualTo(NOW.plusMinutes(100 + 50 + 30));
    assertThat(RolloutEstimate.soakSpent(stages, NOW)).isEqualTo(Duration.ofMinutes(10));
    // A soak that ended is neither ahead nor spent beyond its end.
    List<OtaStage> done = List.of(recorded(0, NOW.minusMinutes(70), NOW.minusMinutes(10)));
    assertThat(RolloutEstimate.soakLeft(plan, done, NOW)).isEqualTo(Duration.ofMinutes(30));
    assertThat(RolloutEstimate.soakSpent(done, NOW)).isEqualTo(Duration.ofMinutes(60));
    // A soak that overran its plan (waiting for the operator) has nothing left.
    List<OtaStage> overran = List.of(recorded(0, NOW.minusHours(2), null));
    assertThat(RolloutEstimate.soakLeft(plan, overran, NOW)).isEqualTo(Duration.ofMinutes(30));
  }

  @Test
  void deliveryTimeIsPlacedInsideTheMaintenanceWindows() {
    // Noon: the next window opens at 02:00 tomorrow; three hours of work take two nights.
    assertThat(RolloutEstimate.withinWindows(NIGHTLY, NOW, Duration.ofHours(3)))
        .isEqualTo(OffsetDateTime.parse("2026-12-06T03:00:00Z"));
    // Inside a window, work that fits ends in it; work that fills it ends when it closes.
    OffsetDateTime inside = OffsetDateTime.parse("2026-12-05T02:30:00Z");
    assertThat(RolloutEstimate.withinWindows(NIGHTLY, inside, Duration.ofHours(1)))
        .isEqualTo(OffsetDateTime.parse("2026-12-05T03:30:00Z"));
    assertThat(RolloutEstimate.withinWindows(NIGHTLY, inside, Duration.ofMinutes(90)))
        .isEqualTo(OffsetDateTime.parse("2026-12-05T04:00:00Z"));
    assertThat(RolloutEstimate.withinWindows(NIGHTLY, inside, Duration.ofMinutes(91)))
        .isEqualTo(OffsetDateTime.parse("2026-12-06T02:01:00Z"));
    // Exactly when a window closes, the next one is a day away.
    OffsetDateTime closing = OffsetDateTime.parse("2026-12-05T04:00:00Z");
    assertThat(RolloutEstimate.withinWindows(NIGHTLY, closing, Duration.ofMinutes(1)))
        .isEqualTo(OffsetDateTime.parse("2026-12-06T02:01:00Z"));
    // A window in another zone: 02:00 in Tokyo is 17:00 UTC the day before.
    MaintenanceWindow tokyo =
        new MaintenanceWindow("0 0 2 * * *", Duration.ofHours(1), "Asia/Tokyo");
    assertThat(RolloutEstimate.withinWindows(tokyo, NOW, Duration.ofMinutes(30)))
        .isEqualTo(OffsetDateTime.parse("2026-12-04T17:30:00Z"));

    RolloutPlan plan =
        new RolloutPlan(List.of(stage("a", Duration.ZERO)), null, NIGHTLY, null, false);
    OtaJob running = job("RUNNING", NOW.minusHours(1), 10);
    assertThat(RolloutEstimate.finish(running, Map.of("SUCCEEDED", 5), plan, List.of(), NOW))
        .isEqualTo(OffsetDateTime.parse("2026-12-05T03:00:00Z"));
  }

  @Test
  void noEstimateWhileARolloutWaitsForAnApprovalOrWithoutPace() {
    RolloutPlan plan = new RolloutPlan(List.of(stage("a", Duration.ZERO)), null, null, null, false);
    assertThat(
            RolloutEstimate.finish(
                job("WAITING_APPROVAL", NOW.minusHours(1), 10),
                Map.of("SUCCEEDED", 5),
                plan,
                List.of(),
                NOW))
        .isNull();
    // Every minute so far was spent soaking: no delivery pace to go by.
    assertThat(
            RolloutEstimate.finish(
                job("RUNNING", NOW.minusMinutes(10), 10),
                Map.of("SUCCEEDED", 5),
                plan,
                List.of(recorded(0, NOW.minusMinutes(10), null)),
                NOW))
        .isNull();
    // All devices finished: only the soaks remain.
    assertThat(
            RolloutEstimate.finish(
                job("RUNNING", NOW.minusHours(1), 10),
                Map.of("SUCCEEDED", 10),
                plan,
                List.of(),
                NOW))
        .isEqualTo(NOW);
  }
}
