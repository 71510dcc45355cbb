package dev.firmament.api.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobProgressTest {
  private static final OffsetDateTime NOW = OffsetDateTime.parse("2026-12-04T12:00:00Z");

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
        NOW.minusHours(1),
        startedAt,
        null,
        "a@example.test",
        null);
  }

  @Test
  void theFinishedStatesAreTheFinalOnes() {
    assertThat(JobProgress.FINISHED_STATES)
        .containsExactlyInAnyOrder(
            "SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "CANCELED", "ROLLED_BACK", "SKIPPED");
  }

  @Test
  void aRunningRolloutFinishesAtThePaceItKeptSoFar() {
    OtaJob running = job("RUNNING", NOW.minusSeconds(100), 10);
    // Five of ten finished in 100 s (failures and skips count as finished): 100 s more.
    Map<String, Integer> counts =
        Map.of("SUCCEEDED", 3, "FAILED", 1, "SKIPPED", 1, "DOWNLOADING", 2, "QUEUED", 3);

    assertThat(JobProgress.estimatedFinish(running, counts, NOW)).isEqualTo(NOW.plusSeconds(100));
  }

  @Test
  void noEstimateBeforeTheFirstDeviceFinishesNorOnceTheRolloutEnded() {
    assertThat(
            JobProgress.estimatedFinish(
                job("RUNNING", NOW.minusSeconds(100), 10), Map.of("SENT", 4), NOW))
        .isNull();
    assertThat(
            JobProgress.estimatedFinish(
                job("SUCCEEDED", NOW.minusSeconds(100), 10), Map.of("SUCCEEDED", 10), NOW))
        .isNull();
    assertThat(JobProgress.estimatedFinish(job("SCHEDULED", null, 10), Map.of(), NOW)).isNull();
  }
}
