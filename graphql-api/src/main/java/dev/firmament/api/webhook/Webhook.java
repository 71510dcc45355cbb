package dev.firmament.api.webhook;

import dev.firmament.api.event.EventStreams;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A webhook ({@code Webhook}), the settings of an integration of kind {@code WEBHOOK}.
 *
 * @param headerNames the names of its custom headers (their values are not shown again)
 * @param audit whether it also carries the organization's audit entries (audience audit:read)
 * @param status {@code ACTIVE} or {@code PAUSED}
 * @param failures failed attempts in a row since the last delivered one
 */
public record Webhook(
    String id,
    String name,
    String url,
    EventStreams.StreamFilter filter,
    String bodyTemplate,
    List<String> headerNames,
    boolean audit,
    int secretVersion,
    String status,
    String pausedReason,
    OffsetDateTime pausedAt,
    int failures,
    String createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  /** {@code Integration}: the webhook seen as one of the organization's integrations. */
  public record Integration(
      String id,
      String name,
      String kind,
      Webhook webhook,
      String createdBy,
      OffsetDateTime createdAt) {}

  /** {@code WebhookDelivery}: one message for the webhook and where it stands. */
  public record Delivery(
      String id,
      String messageId,
      String event,
      OffsetDateTime eventAt,
      String state,
      int attempts,
      OffsetDateTime nextAttemptAt,
      String replayOf,
      OffsetDateTime createdAt,
      OffsetDateTime finishedAt) {}

  /** {@code WebhookLog}: one attempt. */
  public record Log(
      String id,
      String deliveryId,
      String messageId,
      int attempt,
      String url,
      String requestBody,
      Integer statusCode,
      String error,
      int latencyMs,
      String responseExcerpt,
      OffsetDateTime nextRetryAt,
      OffsetDateTime attemptedAt) {}
}
