package dev.firmament.api.webhook;

import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.INTEGRATIONS;
import static dev.firmament.sql.generated.Tables.WEBHOOKS;
import static dev.firmament.sql.generated.Tables.WEBHOOK_DELIVERIES;
import static dev.firmament.sql.generated.Tables.WEBHOOK_LOGS;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.event.CloudEvents;
import dev.firmament.api.event.Event;
import dev.firmament.api.event.EventStreams;
import dev.firmament.api.live.ChangeCursor;
import dev.firmament.api.live.ChangeEvent;
import dev.firmament.api.live.FeedCursors;
import dev.firmament.sql.generated.tables.records.WebhookDeliveriesRecord;
import dev.firmament.sql.generated.tables.records.WebhooksRecord;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.springframework.stereotype.Repository;

/**
 * The delivery side's reads and writes: the dispatcher's fan-out from the change feed, the claims
 * that give one process a webhook's deliveries at a time, and the outcome of each attempt, each in
 * one transaction.
 */
@Repository
public class WebhookOutbox {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DSLContext dsl;

  public WebhookOutbox(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** A webhook as the dispatcher matches changes against it. */
  private record Target(
      UUID id,
      ChangeCursor startsAfter,
      EventStreams.Checked filter,
      String template,
      boolean audit) {}

  /**
   * Reads up to {@code limit} settled changes after the dispatcher's cursor, writes a delivery for
   * every webhook each one is for, and moves the cursor past them, in one transaction. Another
   * process dispatching at the same time skips (the cursor row is locked).
   *
   * @return the changes read (0 when there were none, or another process holds the cursor)
   */
  public int dispatch(int limit) {
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          List<ChangeEvent> read = FeedCursors.lockAndRead(tx, "webhook_dispatch", limit);
          if (read.isEmpty()) {
            return 0;
          }
          List<Target> targets = targets(tx);
          List<WebhookDeliveriesRecord> deliveries = new ArrayList<>();
          for (ChangeEvent change : read) {
            for (Target target : targets) {
              if (!change.cursor().isAfter(target.startsAfter())) {
                continue;
              }
              (change.kind() == ChangeEvent.Kind.AUDIT
                      ? auditEntry(change, target)
                      : EventStreams.kept(change, target.filter()))
                  .ifPresent(event -> deliveries.add(delivery(target, change, event)));
            }
          }
          if (!deliveries.isEmpty()) {
            tx.batchInsert(deliveries).execute();
          }
          FeedCursors.advance(tx, "webhook_dispatch", read);
          return read.size();
        });
  }

  /** Every webhook, active or paused (a paused one's deliveries queue up for when it resumes). */
  private static List<Target> targets(DSLContext tx) {
    return tx.selectFrom(WEBHOOKS)
        .fetch(
            (WebhooksRecord w) ->
                new Target(
                    w.getId(),
                    new ChangeCursor(w.getStartsAfterTx(), w.getStartsAfterId()),
                    new EventStreams.Checked(
                        w.getOrganizationId(),
                        w.getNamePrefix(),
                        w.getDeviceId(),
                        w.getProductId(),
                        w.getSource()),
                    w.getBodyTemplate(),
                    Boolean.TRUE.equals(w.getAudit())));
  }

  /**
   * An audit entry as the target's event: only for a webhook given the audit, of the entry's
   * organization, whose filter's name prefix keeps it (audit entries have no device, product or
   * source of the event kinds, so a filter on those keeps none).
   */
  private static Optional<Event> auditEntry(ChangeEvent change, Target target) {
    EventStreams.Checked filter = target.filter();
    Event event = CloudEvents.of(change);
    boolean kept =
        target.audit()
            && change.organizationId().equals(filter.organizationId())
            && filter.deviceId() == null
            && filter.productId() == null
            && filter.source() == null
            && (filter.namePrefix() == null || event.name().startsWith(filter.namePrefix()));
    return kept ? Optional.of(event) : Optional.empty();
  }

  private static WebhookDeliveriesRecord delivery(Target target, ChangeEvent change, Event event) {
    Map<String, JsonNode> fields =
        BodyTemplate.fields(
            event.name(),
            event.data(),
            event.deviceId(),
            event.productId() == null ? null : event.productId().toString(),
            event.publishedAt().toInstant().toString(),
            event.id() == null ? null : Long.valueOf(event.id()),
            event.source(),
            event.ttl(),
            target.id().toString());
    String payload =
        target.template() == null
            ? BodyTemplate.standard(fields)
            : BodyTemplate.parse(target.template()).render(fields);
    WebhookDeliveriesRecord r = new WebhookDeliveriesRecord();
    r.setWebhookId(target.id());
    r.setOrganizationId(target.filter().organizationId());
    r.setMessageId("msg_" + UUID.randomUUID().toString().replace("-", ""));
    r.setEventName(event.name());
    r.setChangeTx(change.cursor().tx());
    r.setChangeId(change.cursor().id());
    r.setEventId(event.id() == null ? null : Long.valueOf(event.id()));
    r.setEventAt(event.publishedAt());
    r.setPayload(payload);
    return r;
  }

  /**
   * Claims up to {@code limit} active webhooks whose oldest pending delivery is due and that no
   * live claim holds, for {@code claim}.
   */
  public List<UUID> claim(String owner, int limit, Duration claim) {
    if (limit <= 0) {
      return List.of();
    }
    return dsl.resultQuery(
            "update webhooks set claimed_by = ?, claimed_until = now() + ? * interval '1 millisecond'"
                + " where id in (select w.id from webhooks w"
                + " where w.status = 'ACTIVE'"
                + " and (w.claimed_until is null or w.claimed_until < now())"
                + " and (select d.next_attempt_at from webhook_deliveries d"
                + " where d.webhook_id = w.id and d.state = 'PENDING'"
                + " order by d.id limit 1) <= now()"
                // The webhook waiting longest first, so every webhook gets its turn.
                + " order by (select d.next_attempt_at from webhook_deliveries d"
                + " where d.webhook_id = w.id and d.state = 'PENDING'"
                + " order by d.id limit 1)"
                // Written into the statement, not a parameter: see CloudCodeOutbox.claim.
                + " limit "
                + limit
                + " for update skip locked)"
                + " returning id",
            owner,
            claim.toMillis())
        .fetch(r -> r.get(0, UUID.class));
  }

  /**
   * What the sender needs for the webhook's next attempts: its settings, and its oldest pending
   * deliveries in order, the first of them due.
   *
   * @param failures failed attempts in a row before these
   */
  public record Due(
      UUID webhookId,
      UUID organizationId,
      String url,
      String sealedHeaders,
      int secretVersion,
      int failures,
      List<WebhookDeliveriesRecord> deliveries) {}

  /**
   * Up to {@code limit} of the webhook's oldest pending deliveries, in order, when the oldest is
   * due and {@code owner} still holds the webhook (its claim then extended by {@code claim}); empty
   * otherwise.
   */
  public Optional<Due> next(UUID webhookId, String owner, Duration claim, int limit) {
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          WebhooksRecord webhook =
              tx.update(WEBHOOKS)
                  .set(
                      WEBHOOKS.CLAIMED_UNTIL,
                      field(
                          "now() + ? * interval '1 millisecond'",
                          OffsetDateTime.class,
                          claim.toMillis()))
                  .where(WEBHOOKS.ID.eq(webhookId))
                  .and(WEBHOOKS.CLAIMED_BY.eq(owner))
                  .and(WEBHOOKS.STATUS.eq("ACTIVE"))
                  .returning()
                  .fetchOne();
          if (webhook == null) {
            return Optional.empty();
          }
          List<WebhookDeliveriesRecord> pending =
              tx.selectFrom(WEBHOOK_DELIVERIES)
                  .where(WEBHOOK_DELIVERIES.WEBHOOK_ID.eq(webhookId))
                  .and(WEBHOOK_DELIVERIES.STATE.eq("PENDING"))
                  .orderBy(WEBHOOK_DELIVERIES.ID)
                  .limit(limit)
                  .fetch();
          if (pending.isEmpty()
              || pending.getFirst().getNextAttemptAt().isAfter(OffsetDateTime.now())) {
            return Optional.empty();
          }
          return Optional.of(
              new Due(
                  webhookId,
                  webhook.getOrganizationId(),
                  webhook.getUrl(),
                  webhook.getHeaders(),
                  webhook.getSecretVersion(),
                  webhook.getFailures(),
                  pending));
        });
  }

  /** Gives the webhook up for any process to claim. */
  public void release(UUID webhookId, String owner) {
    dsl.update(WEBHOOKS)
        .setNull(WEBHOOKS.CLAIMED_BY)
        .setNull(WEBHOOKS.CLAIMED_UNTIL)
        .where(WEBHOOKS.ID.eq(webhookId))
        .and(WEBHOOKS.CLAIMED_BY.eq(owner))
        .execute();
  }

  /** One attempt as the sender saw it. */
  public record Attempt(
      String requestBody,
      Integer statusCode,
      String error,
      int latencyMs,
      String responseExcerpt) {}

  /**
   * Writes an attempt's outcome in one transaction: its log row; the delivery delivered, failed for
   * good, or due again at {@code nextAttemptAt}; the webhook's failure count, and the webhook
   * paused (with an event that says so) when {@code pause} is given.
   *
   * @param verdict what the attempt came to
   * @param nextAttemptAt when to try again (RETRY only)
   * @param pause why the webhook is paused now, or null
   */
  public void record(
      Due due,
      WebhookDeliveriesRecord d,
      int failuresBefore,
      Attempt attempt,
      RetryPolicy.Verdict verdict,
      OffsetDateTime nextAttemptAt,
      String pause) {
    if (verdict == RetryPolicy.Verdict.DELIVERED && failuresBefore == 0) {
      recordDelivered(due, d, attempt);
      return;
    }
    dsl.transaction(
        configuration -> {
          DSLContext tx = configuration.dsl();
          int attempts = d.getAttempts() + 1;
          tx.insertInto(WEBHOOK_LOGS)
              .set(WEBHOOK_LOGS.WEBHOOK_ID, due.webhookId())
              .set(WEBHOOK_LOGS.ORGANIZATION_ID, due.organizationId())
              .set(WEBHOOK_LOGS.DELIVERY_ID, d.getId())
              .set(WEBHOOK_LOGS.MESSAGE_ID, d.getMessageId())
              .set(WEBHOOK_LOGS.ATTEMPT, attempts)
              .set(WEBHOOK_LOGS.URL, due.url())
              .set(WEBHOOK_LOGS.REQUEST_BODY, excerpt(attempt.requestBody(), 2048))
              .set(WEBHOOK_LOGS.STATUS_CODE, attempt.statusCode())
              .set(WEBHOOK_LOGS.ERROR, excerpt(attempt.error(), 500))
              .set(WEBHOOK_LOGS.LATENCY_MS, attempt.latencyMs())
              .set(WEBHOOK_LOGS.RESPONSE_EXCERPT, excerpt(attempt.responseExcerpt(), 1024))
              .set(
                  WEBHOOK_LOGS.NEXT_RETRY_AT,
                  verdict == RetryPolicy.Verdict.RETRY && pause == null ? nextAttemptAt : null)
              .execute();
          var update = tx.update(WEBHOOK_DELIVERIES).set(WEBHOOK_DELIVERIES.ATTEMPTS, attempts);
          switch (verdict) {
            case DELIVERED, FAILED ->
                update
                    .set(WEBHOOK_DELIVERIES.STATE, verdict.name())
                    .set(WEBHOOK_DELIVERIES.FINISHED_AT, OffsetDateTime.now())
                    .where(WEBHOOK_DELIVERIES.ID.eq(d.getId()))
                    .and(WEBHOOK_DELIVERIES.STATE.eq("PENDING"))
                    .execute();
            case RETRY ->
                update
                    .set(WEBHOOK_DELIVERIES.NEXT_ATTEMPT_AT, nextAttemptAt)
                    .where(WEBHOOK_DELIVERIES.ID.eq(d.getId()))
                    .and(WEBHOOK_DELIVERIES.STATE.eq("PENDING"))
                    .execute();
          }
          var webhook =
              tx.update(WEBHOOKS)
                  .set(
                      WEBHOOKS.FAILURES,
                      verdict == RetryPolicy.Verdict.DELIVERED
                          ? inline(0)
                          : WEBHOOKS.FAILURES.plus(1));
          if (pause != null) {
            webhook =
                webhook
                    .set(WEBHOOKS.STATUS, "PAUSED")
                    .set(WEBHOOKS.PAUSED_REASON, excerpt(pause, 500))
                    .set(WEBHOOKS.PAUSED_AT, OffsetDateTime.now())
                    .set(WEBHOOKS.UPDATED_AT, OffsetDateTime.now());
          }
          webhook.where(WEBHOOKS.ID.eq(due.webhookId())).execute();
          if (pause != null) {
            publishPaused(tx, due.webhookId(), pause);
          }
        });
  }

  /**
   * The common case in one statement: delivered, after no failure, so the webhook's row stays as it
   * is; the log row and the delivery's state are written together.
   */
  private void recordDelivered(Due due, WebhookDeliveriesRecord d, Attempt attempt) {
    dsl.execute(
        "with logged as (insert into webhook_logs (webhook_id, organization_id, delivery_id,"
            + " message_id, attempt, url, request_body, status_code, error, latency_ms,"
            + " response_excerpt) values (?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?))"
            + " update webhook_deliveries set state = 'DELIVERED', attempts = ?,"
            + " finished_at = now() where id = ? and state = 'PENDING'",
        due.webhookId(),
        due.organizationId(),
        d.getId(),
        d.getMessageId(),
        d.getAttempts() + 1,
        due.url(),
        excerpt(attempt.requestBody(), 2048),
        attempt.statusCode(),
        attempt.latencyMs(),
        excerpt(attempt.responseExcerpt(), 1024),
        d.getAttempts() + 1,
        d.getId());
  }

  /**
   * Pauses an active webhook that cannot be sent to as it stands, with the reason, and tells the
   * owner as a pause after failures does. Returns whether it paused it (false when it was paused
   * already or is gone).
   */
  public boolean pause(UUID webhookId, String reason) {
    return dsl.transactionResult(
        c -> {
          DSLContext tx = c.dsl();
          int paused =
              tx.update(WEBHOOKS)
                  .set(WEBHOOKS.STATUS, "PAUSED")
                  .set(WEBHOOKS.PAUSED_REASON, excerpt(reason, 500))
                  .set(WEBHOOKS.PAUSED_AT, OffsetDateTime.now())
                  .set(WEBHOOKS.UPDATED_AT, OffsetDateTime.now())
                  .where(WEBHOOKS.ID.eq(webhookId))
                  .and(WEBHOOKS.STATUS.eq("ACTIVE"))
                  .execute();
          if (paused == 1) {
            publishPaused(tx, webhookId, reason);
          }
          return paused == 1;
        });
  }

  /**
   * The owner is told: {@code firmament/webhook/paused} into the organization's events (its stream,
   * its history and its other webhooks), with the webhook, its name and why.
   */
  private static void publishPaused(DSLContext tx, UUID webhookId, String reason) {
    Record w =
        tx.select(INTEGRATIONS.ORGANIZATION_ID, INTEGRATIONS.NAME)
            .from(INTEGRATIONS)
            .where(INTEGRATIONS.ID.eq(webhookId))
            .fetchOne();
    if (w == null) {
      return;
    }
    String data =
        JSON.createObjectNode()
            .put("webhookId", webhookId.toString())
            .put("name", w.get(INTEGRATIONS.NAME))
            .put("reason", excerpt(reason, 500))
            .toString();
    tx.insertInto(EVENTS)
        .set(EVENTS.ORGANIZATION_ID, w.get(INTEGRATIONS.ORGANIZATION_ID))
        .set(EVENTS.NAME, "firmament/webhook/paused")
        .set(EVENTS.DATA, data)
        .set(EVENTS.TTL_SECONDS, 86_400)
        .set(EVENTS.SCOPE, "private")
        .set(EVENTS.SOURCE, "cloud")
        .execute();
  }

  /** Deletes finished deliveries and attempts older than {@code retention}. */
  public int prune(Duration retention) {
    OffsetDateTime before = OffsetDateTime.now().minus(retention);
    int logs = dsl.deleteFrom(WEBHOOK_LOGS).where(WEBHOOK_LOGS.ATTEMPTED_AT.lt(before)).execute();
    int deliveries =
        dsl.deleteFrom(WEBHOOK_DELIVERIES)
            .where(WEBHOOK_DELIVERIES.STATE.ne("PENDING"))
            .and(WEBHOOK_DELIVERIES.FINISHED_AT.lt(before))
            .execute();
    return logs + deliveries;
  }

  static String excerpt(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, max - 1) + "…";
  }
}
