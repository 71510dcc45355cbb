package dev.firmament.api.webhook;

import dev.firmament.api.PollingWorker;
import dev.firmament.integrations.WebhookTargets;
import dev.firmament.sql.generated.tables.records.WebhookDeliveriesRecord;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The claimed-row worker that sends webhooks. Every {@code poll-interval} it fans the change feed
 * out into deliveries ({@link WebhookOutbox#dispatch}), claims the webhooks whose oldest pending
 * delivery is due, and sends each claimed webhook's deliveries one after the other, in order, on a
 * virtual thread. A claim lasts {@code firmament.webhooks.claim} and is extended before every
 * attempt; a process that dies leaves its claims to expire, and another process (or this one,
 * started again) takes the webhooks over from their oldest undelivered message: at least once,
 * never out of order, the {@code webhook-id} the receiver's key to drop a repeat.
 */
@Component
public class WebhookDelivery extends PollingWorker {
  private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);
  private static final int DISPATCH_BATCH = 1000;

  /** Deliveries of one webhook sent in one turn. */
  private static final int BATCH = 100;

  private final WebhookOutbox outbox;
  private final Webhooks webhooks;
  private final WebhookKeys keys;
  private final WebhookProperties properties;
  private final RetryPolicy policy;
  private final WebhookSender sender;

  /** Why a webhook whose custom headers cannot be read is paused, and what to do about it. */
  static final String UNREADABLE_HEADERS =
      "its custom headers cannot be read: set them again with updateWebhook, then resume it";

  private final String owner = "api-" + UUID.randomUUID();
  private final Set<UUID> sending = ConcurrentHashMap.newKeySet();
  private Instant nextPrune = Instant.EPOCH;

  @Autowired
  public WebhookDelivery(
      WebhookOutbox outbox, Webhooks webhooks, WebhookKeys keys, WebhookProperties properties) {
    this(outbox, webhooks, keys, properties, InetAddress::getAllByName);
  }

  WebhookDelivery(
      WebhookOutbox outbox,
      Webhooks webhooks,
      WebhookKeys keys,
      WebhookProperties properties,
      WebhookTargets.Resolver resolver) {
    this.outbox = outbox;
    this.webhooks = webhooks;
    this.keys = keys;
    this.properties = properties;
    this.policy = properties.retryPolicy();
    this.sender = new WebhookSender(properties.timeout(), properties.allowed(), resolver);
  }

  @Override
  protected boolean enabled() {
    return properties.deliver();
  }

  @Override
  protected Duration interval() {
    return properties.pollInterval();
  }

  @Override
  protected String name() {
    return "webhook-dispatch";
  }

  /** Sends on virtual threads: a send mostly waits for its receiver. */
  @Override
  protected ExecutorService newExecutor() {
    return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("webhook-", 0).factory());
  }

  @Override
  protected void started() {
    log.info("webhooks: delivering owner={}", owner);
  }

  /** One round: fan out, prune now and then, claim and send. */
  @Override
  protected void tick() {
    try {
      for (int i = 0;
          i < 10 && isRunning() && outbox.dispatch(DISPATCH_BATCH) == DISPATCH_BATCH;
          i++) {
        // A full batch: more are waiting; read on before sending.
      }
      if (Instant.now().isAfter(nextPrune)) {
        nextPrune = Instant.now().plus(Duration.ofHours(1));
        outbox.prune(properties.retention());
      }
      int free = properties.concurrency() - sending.size();
      for (UUID webhookId : outbox.claim(owner, free, properties.claim())) {
        if (isRunning() && sending.add(webhookId)) {
          workers().execute(() -> sendAll(webhookId));
        }
      }
    } catch (RuntimeException e) {
      // PostgreSQL away for a moment: the next round tries again; nothing was half written.
      log.warn("webhooks: round failed error={}", e.toString());
    }
  }

  /**
   * Sends a batch of the webhook's pending deliveries in order while it holds the claim, then gives
   * the webhook up, so that with more webhooks than {@code concurrency} each gets its turn.
   */
  private void sendAll(UUID webhookId) {
    try {
      var due = outbox.next(webhookId, owner, properties.claim(), BATCH);
      if (due.isPresent()) {
        Map<String, String> headers;
        try {
          headers = webhooks.headers(webhookId, due.get().sealedHeaders());
        } catch (IllegalStateException unreadable) {
          // Sealed under another server key: sending without them would leave the receiver
          // without its credential, so the webhook waits, paused, and its owner is told.
          String reason = UNREADABLE_HEADERS + " (" + unreadable.getMessage() + ")";
          if (outbox.pause(webhookId, reason)) {
            log.warn("webhooks: paused webhook={} reason={}", webhookId, reason);
          }
          return;
        }
        String secret = keys.secret(webhookId, due.get().secretVersion());
        int failures = due.get().failures();
        for (var delivery : due.get().deliveries()) {
          if (!isRunning()) {
            break;
          }
          failures = attempt(due.get(), delivery, headers, secret, failures);
          if (failures != 0) {
            break;
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("webhooks: sending failed webhook={} error={}", webhookId, e.toString());
    } finally {
      sending.remove(webhookId);
      if (isRunning()) {
        try {
          outbox.release(webhookId, owner);
        } catch (RuntimeException e) {
          // The claim expires by itself.
        }
      }
    }
  }

  /**
   * One attempt and its outcome; the failures in a row after it (0 when delivered; the batch stops
   * at a failure, which waits, fails the message for good or pauses the webhook), or -1 when this
   * process is stopping and records nothing.
   */
  private int attempt(
      WebhookOutbox.Due due,
      WebhookDeliveriesRecord d,
      Map<String, String> headers,
      String secret,
      int failuresBefore) {
    WebhookSender.Sent sent =
        sender.send(due.url(), secret, d.getMessageId(), headers, d.getPayload());
    if (!isRunning() || Thread.currentThread().isInterrupted()) {
      // Stopping: what the receiver got is not known; the message is sent again after the claim.
      return -1;
    }
    Integer status = sent.attempt().statusCode();
    RetryPolicy.Verdict verdict = RetryPolicy.verdict(status);
    OffsetDateTime next = null;
    String pause = null;
    int failures = verdict == RetryPolicy.Verdict.DELIVERED ? 0 : failuresBefore + 1;
    if (verdict != RetryPolicy.Verdict.DELIVERED) {
      if (policy.exhausted(failures)) {
        pause =
            failures
                + " failed attempts in a row, the last "
                + (status == null ? sent.attempt().error() : "answered " + status);
      }
      if (verdict == RetryPolicy.Verdict.RETRY) {
        Duration wait =
            policy.delay(
                d.getAttempts() + 1,
                status,
                sent.retryAfter(),
                Instant.now(),
                ThreadLocalRandom.current()::nextDouble);
        next = OffsetDateTime.now(ZoneOffset.UTC).plus(wait);
      }
    }
    outbox.record(due, d, failuresBefore, sent.attempt(), verdict, next, pause);
    if (pause != null) {
      log.warn("webhooks: paused webhook={} reason={}", due.webhookId(), pause);
    }
    return failures;
  }
}
