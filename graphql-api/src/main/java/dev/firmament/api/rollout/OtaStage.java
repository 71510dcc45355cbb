package dev.firmament.api.rollout;

import java.time.OffsetDateTime;

/**
 * One stage of a job ({@code OTAStage}): a row of {@code ota_stages}, or a planned stage, with its
 * timeline: when it started, when its soak began, who approved it and who promoted it.
 */
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
    OffsetDateTime finishedAt,
    OffsetDateTime startedAt,
    OffsetDateTime soakStartedAt,
    StageTimelines.Decision approval,
    StageTimelines.Decision promotion) {

  static OtaStage planned(int index, String name) {
    return new OtaStage(
        index, name, "UPDATE", "PENDING", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null,
        null, null);
  }

  /** This stage with the approval that released it and the promotion that ended its soak. */
  OtaStage withDecisions(StageTimelines.Decision approvedBy, StageTimelines.Decision promotedBy) {
    return new OtaStage(
        index,
        name,
        kind,
        status,
        assigned,
        started,
        inFlight,
        succeeded,
        skipped,
        failed,
        timedOut,
        rejected,
        rolledBack,
        unhealthy,
        updatedAt,
        finishedAt,
        startedAt,
        soakStartedAt,
        approvedBy,
        promotedBy);
  }

  public String approvedBy() {
    return approval == null ? null : approval.actor();
  }

  public OffsetDateTime approvedAt() {
    return approval == null ? null : approval.at();
  }

  public String promotedBy() {
    return promotion == null ? null : promotion.actor();
  }

  public OffsetDateTime promotedAt() {
    return promotion == null ? null : promotion.at();
  }
}
