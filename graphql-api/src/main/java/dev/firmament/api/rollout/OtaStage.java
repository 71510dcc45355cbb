package dev.firmament.api.rollout;

import java.time.OffsetDateTime;

/** One stage of a job ({@code OTAStage}): a row of {@code ota_stages}, or a planned stage. */
public record OtaStage(
    int index,
    String name,
    String kind,
    String status,
    int assigned,
    int started,
    int inFlight,
    int succeeded,
    int skipped,
    int failed,
    int timedOut,
    int rejected,
    int rolledBack,
    int unhealthy,
    OffsetDateTime updatedAt,
    OffsetDateTime finishedAt) {

  static OtaStage planned(int index, String name) {
    return new OtaStage(index, name, "UPDATE", "PENDING", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null);
  }
}
