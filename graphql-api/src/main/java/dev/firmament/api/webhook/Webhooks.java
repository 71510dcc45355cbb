package dev.firmament.api.webhook;

import static dev.firmament.sql.generated.Tables.INTEGRATIONS;
import static dev.firmament.sql.generated.Tables.WEBHOOKS;
import static dev.firmament.sql.generated.Tables.WEBHOOK_DELIVERIES;
import static dev.firmament.sql.generated.Tables.WEBHOOK_LOGS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.Ids;
import dev.firmament.api.Names;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.api.event.EventStreams;
import dev.firmament.api.live.ChangeCursor;
import dev.firmament.api.live.ChangeEventRepository;
import dev.firmament.integrations.WebhookTargets;
import dev.firmament.sql.generated.tables.records.WebhookDeliveriesRecord;
import dev.firmament.sql.generated.tables.records.WebhookLogsRecord;
import java.net.InetAddress;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Service;

/**
 * An organization's webhooks: made, changed, paused, resumed, deleted and replayed, with every
 * input checked before anything is written (a refusal writes nothing).
 */
@Service
public class Webhooks {
  static final int MAX_HEADERS = 20;
  static final int MAX_HEADER_VALUE = 1024;
  static final int MAX_HEADERS_LENGTH = 2048;
  static final int MAX_REPLAY = 10_000;
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]{1,64}");

  /** Headers the sender sets itself, or that an HTTP client may not be given. */
  static final Set<String> RESERVED_HEADERS =
      Set.of(
          "webhook-id",
          "webhook-timestamp",
          "webhook-signature",
          "content-type",
          "content-length",
          "host",
          "connection",
          "expect",
          "upgrade",
          "transfer-encoding",
          "te",
          "trailer",
          "user-agent");

  private static final ObjectMapper JSON = new ObjectMapper();
  private final DSLContext dsl;
  private final EventStreams streams;
  private final ChangeEventRepository changes;
  private final WebhookKeys keys;
  private final WebhookProperties properties;
  private final WebhookTargets.Resolver resolver;

  @Autowired
  public Webhooks(
      DSLContext dsl,
      EventStreams streams,
      ChangeEventRepository changes,
      WebhookKeys keys,
      WebhookProperties properties) {
    this(dsl, streams, changes, keys, properties, InetAddress::getAllByName);
  }

  Webhooks(
      DSLContext dsl,
      EventStreams streams,
      ChangeEventRepository changes,
      WebhookKeys keys,
      WebhookProperties properties,
      WebhookTargets.Resolver resolver) {
    this.dsl = dsl;
    this.streams = streams;
    this.changes = changes;
    this.keys = keys;
    this.properties = properties;
    this.resolver = resolver;
  }

  /** A custom header of a webhook's requests. */
  public record Header(String name, String value) {}

  /** A new webhook and its signing secret, which is shown this once. */
  public record WithSecret(Webhook webhook, String secret) {}

  public WithSecret create(
      String name,
      String url,
      EventStreams.StreamFilter filter,
      String bodyTemplate,
      List<Header> headers,
      boolean audit) {
    Caller caller = Callers.current();
    requireKey();
    if (audit) {
      requireAuditRead(caller);
    }
    String trimmed = Names.check(name);
    String target = checkUrl(url);
    EventStreams.Checked checked = streams.check(caller.organizationId(), filter);
    String template = checkTemplate(bodyTemplate);
    String headersJson = checkHeaders(headers);
    UUID id = UUID.randomUUID();
    ChangeCursor head = changes.head();
    try {
      dsl.transaction(
          configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(INTEGRATIONS)
                .set(INTEGRATIONS.ID, id)
                .set(INTEGRATIONS.ORGANIZATION_ID, caller.organizationId())
                .set(INTEGRATIONS.NAME, trimmed)
                .set(INTEGRATIONS.KIND, "WEBHOOK")
                .set(INTEGRATIONS.CREATED_BY, caller.actor())
                .execute();
            tx.insertInto(WEBHOOKS)
                .set(WEBHOOKS.ID, id)
                .set(WEBHOOKS.ORGANIZATION_ID, caller.organizationId())
                .set(WEBHOOKS.URL, target)
                .set(WEBHOOKS.NAME_PREFIX, checked.namePrefix())
                .set(WEBHOOKS.DEVICE_ID, checked.deviceId())
                .set(WEBHOOKS.PRODUCT_ID, checked.productId())
                .set(WEBHOOKS.SOURCE, checked.source())
                .set(WEBHOOKS.BODY_TEMPLATE, template)
                .set(WEBHOOKS.HEADERS, keys.seal(id, headersJson))
                .set(WEBHOOKS.AUDIT, audit)
                .set(WEBHOOKS.STARTS_AFTER_TX, head.tx())
                .set(WEBHOOKS.STARTS_AFTER_ID, head.id())
                .execute();
          });
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS, "an integration named '" + trimmed + "' exists", e);
      }
      throw e;
    }
    return new WithSecret(find(caller.organizationId(), id.toString()), keys.secret(id, 1));
  }

  /** Changes what is given (null leaves a setting as it is; an empty template removes it). */
  public Webhook update(
      String id,
      String url,
      EventStreams.StreamFilter filter,
      String bodyTemplate,
      List<Header> headers,
      Boolean audit) {
    UUID organizationId = Callers.current().organizationId();
    UUID webhookId = UUID.fromString(changeable(organizationId, id).id());
    requireKey();
    var update = dsl.update(WEBHOOKS).set(WEBHOOKS.UPDATED_AT, OffsetDateTime.now());
    if (audit != null) {
      if (audit) {
        requireAuditRead(Callers.current());
      }
      update = update.set(WEBHOOKS.AUDIT, audit);
    }
    if (url != null) {
      update = update.set(WEBHOOKS.URL, checkUrl(url));
    }
    if (filter != null) {
      EventStreams.Checked checked = streams.check(organizationId, filter);
      update =
          update
              .set(WEBHOOKS.NAME_PREFIX, checked.namePrefix())
              .set(WEBHOOKS.DEVICE_ID, checked.deviceId())
              .set(WEBHOOKS.PRODUCT_ID, checked.productId())
              .set(WEBHOOKS.SOURCE, checked.source());
    }
    if (bodyTemplate != null) {
      update = update.set(WEBHOOKS.BODY_TEMPLATE, checkTemplate(bodyTemplate));
    }
    if (headers != null) {
      update = update.set(WEBHOOKS.HEADERS, keys.seal(webhookId, checkHeaders(headers)));
    }
    update.where(WEBHOOKS.ID.eq(webhookId)).execute();
    return find(organizationId, id);
  }

  /** A new signing secret, shown this once; the old one stops signing at once. */
  public WithSecret rotateSecret(String id) {
    UUID organizationId = Callers.current().organizationId();
    requireKey();
    UUID webhookId = UUID.fromString(changeable(organizationId, id).id());
    int version =
        dsl.update(WEBHOOKS)
            .set(WEBHOOKS.SECRET_VERSION, WEBHOOKS.SECRET_VERSION.plus(1))
            .set(WEBHOOKS.UPDATED_AT, OffsetDateTime.now())
            .where(WEBHOOKS.ID.eq(webhookId))
            .returning(WEBHOOKS.SECRET_VERSION)
            .fetchOne(WEBHOOKS.SECRET_VERSION);
    return new WithSecret(find(organizationId, id), keys.secret(webhookId, version));
  }

  /** Stops sending (deliveries still queue up, in order, for when it resumes). */
  public Webhook pause(String id) {
    UUID organizationId = Callers.current().organizationId();
    UUID webhookId = UUID.fromString(changeable(organizationId, id).id());
    dsl.update(WEBHOOKS)
        .set(WEBHOOKS.STATUS, "PAUSED")
        .set(WEBHOOKS.PAUSED_REASON, "paused by " + Callers.current().actor())
        .set(WEBHOOKS.PAUSED_AT, OffsetDateTime.now())
        .set(WEBHOOKS.UPDATED_AT, OffsetDateTime.now())
        .where(WEBHOOKS.ID.eq(webhookId))
        .and(WEBHOOKS.STATUS.eq("ACTIVE"))
        .execute();
    return find(organizationId, id);
  }

  /**
   * Sends again, from the oldest delivery not yet delivered, at once: the failure count starts over
   * and the head's wait is cut short.
   */
  public Webhook resume(String id) {
    UUID organizationId = Callers.current().organizationId();
    UUID webhookId = UUID.fromString(changeable(organizationId, id).id());
    dsl.transaction(
        configuration -> {
          DSLContext tx = configuration.dsl();
          tx.update(WEBHOOKS)
              .set(WEBHOOKS.STATUS, "ACTIVE")
              .setNull(WEBHOOKS.PAUSED_REASON)
              .setNull(WEBHOOKS.PAUSED_AT)
              .set(WEBHOOKS.FAILURES, 0)
              .set(WEBHOOKS.UPDATED_AT, OffsetDateTime.now())
              .where(WEBHOOKS.ID.eq(webhookId))
              .execute();
          tx.update(WEBHOOK_DELIVERIES)
              .set(WEBHOOK_DELIVERIES.NEXT_ATTEMPT_AT, OffsetDateTime.now())
              .where(WEBHOOK_DELIVERIES.WEBHOOK_ID.eq(webhookId))
              .and(WEBHOOK_DELIVERIES.STATE.eq("PENDING"))
              .and(WEBHOOK_DELIVERIES.NEXT_ATTEMPT_AT.gt(OffsetDateTime.now()))
              .execute();
        });
    return find(organizationId, id);
  }

  /** Deletes the integration, its webhook, its deliveries and their log. */
  public String delete(String id) {
    UUID organizationId = Callers.current().organizationId();
    Webhook found = changeable(organizationId, id);
    dsl.deleteFrom(INTEGRATIONS)
        .where(INTEGRATIONS.ORGANIZATION_ID.eq(organizationId))
        .and(INTEGRATIONS.ID.eq(UUID.fromString(found.id())))
        .execute();
    return found.id();
  }

  /**
   * Queues again, as new deliveries after the pending ones, every delivery of the webhook whose
   * event happened in {@code [from, to)}, oldest first, with its message id (the same {@code
   * webhook-id}: it is the same message). At most {@value #MAX_REPLAY} at once.
   *
   * @return how many were queued
   */
  public int replay(String id, OffsetDateTime from, OffsetDateTime to) {
    UUID organizationId = Callers.current().organizationId();
    UUID webhookId = UUID.fromString(changeable(organizationId, id).id());
    if (from == null || to == null || !from.isBefore(to)) {
      throw ApiException.invalid("a replay needs from before to");
    }
    var range =
        WEBHOOK_DELIVERIES
            .WEBHOOK_ID
            .eq(webhookId)
            .and(WEBHOOK_DELIVERIES.EVENT_AT.ge(from))
            .and(WEBHOOK_DELIVERIES.EVENT_AT.lt(to))
            .and(WEBHOOK_DELIVERIES.REPLAY_OF.isNull());
    int count = dsl.fetchCount(WEBHOOK_DELIVERIES, range);
    if (count > MAX_REPLAY) {
      throw ApiException.invalid(
          "the range holds "
              + count
              + " deliveries; replay at most "
              + MAX_REPLAY
              + " at once (narrow from and to)");
    }
    return dsl.insertInto(
            WEBHOOK_DELIVERIES,
            WEBHOOK_DELIVERIES.WEBHOOK_ID,
            WEBHOOK_DELIVERIES.ORGANIZATION_ID,
            WEBHOOK_DELIVERIES.MESSAGE_ID,
            WEBHOOK_DELIVERIES.EVENT_NAME,
            WEBHOOK_DELIVERIES.CHANGE_TX,
            WEBHOOK_DELIVERIES.CHANGE_ID,
            WEBHOOK_DELIVERIES.EVENT_ID,
            WEBHOOK_DELIVERIES.EVENT_AT,
            WEBHOOK_DELIVERIES.PAYLOAD,
            WEBHOOK_DELIVERIES.REPLAY_OF)
        .select(
            dsl.select(
                    WEBHOOK_DELIVERIES.WEBHOOK_ID,
                    WEBHOOK_DELIVERIES.ORGANIZATION_ID,
                    WEBHOOK_DELIVERIES.MESSAGE_ID,
                    WEBHOOK_DELIVERIES.EVENT_NAME,
                    WEBHOOK_DELIVERIES.CHANGE_TX,
                    WEBHOOK_DELIVERIES.CHANGE_ID,
                    WEBHOOK_DELIVERIES.EVENT_ID,
                    WEBHOOK_DELIVERIES.EVENT_AT,
                    WEBHOOK_DELIVERIES.PAYLOAD,
                    WEBHOOK_DELIVERIES.ID)
                .from(WEBHOOK_DELIVERIES)
                .where(range)
                .orderBy(WEBHOOK_DELIVERIES.ID))
        .execute();
  }

  /**
   * The webhook, when the caller may change it: one that carries the audit only for a caller who
   * may read the audit (else its url or headers could be turned to send the audit elsewhere).
   */
  private Webhook changeable(UUID organizationId, String id) {
    Webhook webhook = find(organizationId, id);
    requireAudience(webhook);
    return webhook;
  }

  /**
   * Refuses a caller without audit:read a webhook that carries the audit: its deliveries and log
   * hold audit entries, and changing it could send them elsewhere.
   */
  void requireAudience(Webhook webhook) {
    if (webhook.audit()) {
      requireAuditRead(Callers.current());
    }
  }

  private static void requireAuditRead(Caller caller) {
    if (!caller.has(Scope.AUDIT_READ)) {
      throw new ApiException(
          ErrorCode.FORBIDDEN,
          "a webhook that carries the audit is made, changed and read only with the scope "
              + Scope.AUDIT_READ.value());
    }
  }

  public Webhook find(UUID organizationId, String id) {
    return Ids.parse(id)
        .flatMap(
            uuid ->
                dsl.select()
                    .from(WEBHOOKS)
                    .join(INTEGRATIONS)
                    .on(INTEGRATIONS.ID.eq(WEBHOOKS.ID))
                    .where(WEBHOOKS.ORGANIZATION_ID.eq(organizationId))
                    .and(WEBHOOKS.ID.eq(uuid))
                    .fetchOptional(this::toWebhook))
        .orElseThrow(() -> ApiException.notFound("webhook", id));
  }

  public Page<Webhook.Integration> integrations(UUID organizationId, Pagination.Window window) {
    return Paged.page(
        dsl,
        dsl.select()
            .from(INTEGRATIONS)
            .join(WEBHOOKS)
            .on(WEBHOOKS.ID.eq(INTEGRATIONS.ID))
            .where(INTEGRATIONS.ORGANIZATION_ID.eq(organizationId)),
        window,
        List.of(INTEGRATIONS.NAME.asc(), INTEGRATIONS.ID.asc()),
        r -> {
          Webhook webhook = toWebhook(r);
          return new Webhook.Integration(
              webhook.id(),
              webhook.name(),
              r.get(INTEGRATIONS.KIND),
              webhook,
              webhook.createdBy(),
              webhook.createdAt());
        });
  }

  /** One webhook's delivery list as its batch loader is asked for it: the webhook and a state. */
  public record DeliveryList(UUID webhookId, String state) {}

  /**
   * A page of each webhook's deliveries (of one state, or all), the newest first: one statement per
   * state.
   */
  public Map<DeliveryList, Page<Webhook.Delivery>> deliveryPages(
      UUID organizationId, Collection<DeliveryList> lists, Pagination.Window window, String sort) {
    Map<DeliveryList, Page<Webhook.Delivery>> result = new HashMap<>();
    lists.stream()
        .collect(Collectors.groupingBy(l -> Optional.ofNullable(l.state())))
        .forEach(
            (state, group) -> {
              Map<UUID, Page<Webhook.Delivery>> pages =
                  Paged.pagesOf(
                      dsl,
                      List.of(WEBHOOK_DELIVERIES.asterisk()),
                      WEBHOOK_DELIVERIES,
                      WEBHOOK_DELIVERIES
                          .ORGANIZATION_ID
                          .eq(organizationId)
                          .and(state.map(WEBHOOK_DELIVERIES.STATE::eq).orElse(DSL.noCondition())),
                      WEBHOOK_DELIVERIES.WEBHOOK_ID,
                      group.stream().map(DeliveryList::webhookId).toList(),
                      window,
                      List.of(WEBHOOK_DELIVERIES.ID.desc()),
                      r -> toDelivery(r.into(WEBHOOK_DELIVERIES)));
              group.forEach(l -> result.put(l, pages.get(l.webhookId())));
            });
    return result;
  }

  /** A page of each webhook's attempts, the newest first, in one statement. */
  public Map<UUID, Page<Webhook.Log>> logPages(
      UUID organizationId, Collection<UUID> webhookIds, Pagination.Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(WEBHOOK_LOGS.asterisk()),
        WEBHOOK_LOGS,
        WEBHOOK_LOGS.ORGANIZATION_ID.eq(organizationId),
        WEBHOOK_LOGS.WEBHOOK_ID,
        webhookIds,
        window,
        List.of(WEBHOOK_LOGS.ID.desc()),
        r -> toLog(r.into(WEBHOOK_LOGS)));
  }

  /** Each webhook's deliveries not yet delivered, in one statement (zero where none). */
  public Map<String, Integer> pending(UUID organizationId, Collection<String> webhookIds) {
    Map<String, Integer> counts = new HashMap<>();
    webhookIds.forEach(id -> counts.put(id, 0));
    dsl.select(WEBHOOK_DELIVERIES.WEBHOOK_ID, DSL.count())
        .from(WEBHOOK_DELIVERIES)
        .where(WEBHOOK_DELIVERIES.ORGANIZATION_ID.eq(organizationId))
        .and(WEBHOOK_DELIVERIES.WEBHOOK_ID.in(webhookIds.stream().map(UUID::fromString).toList()))
        .and(WEBHOOK_DELIVERIES.STATE.eq("PENDING"))
        .groupBy(WEBHOOK_DELIVERIES.WEBHOOK_ID)
        .forEach(r -> counts.put(r.value1().toString(), r.value2()));
    return counts;
  }

  private void requireKey() {
    if (!keys.configured()) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "webhooks are off on this server: its administrator sets firmament.webhooks.secret-key");
    }
  }

  private String checkUrl(String url) {
    try {
      return WebhookTargets.check(url, properties.allowed(), resolver).uri().toString();
    } catch (WebhookTargets.RefusedTarget refused) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "url: " + refused.getMessage());
    }
  }

  /** The template as stored: null for none (blank), else checked. */
  static String checkTemplate(String template) {
    if (template == null || template.isBlank()) {
      return null;
    }
    try {
      BodyTemplate.parse(template);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("bodyTemplate: " + e.getMessage());
    }
    return template;
  }

  /** The headers as the JSON object that is sealed. */
  static String checkHeaders(List<Header> headers) {
    List<Header> list = headers == null ? List.of() : headers;
    if (list.size() > MAX_HEADERS) {
      throw ApiException.invalid("a webhook has at most " + MAX_HEADERS + " custom headers");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Header h : list) {
      String name = h.name() == null ? "" : h.name();
      if (!HEADER_NAME.matcher(name).matches()) {
        throw ApiException.invalid(
            "header names are 1 to 64 letters, digits and dashes, was '" + name + "'");
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (RESERVED_HEADERS.contains(lower)) {
        throw ApiException.invalid("the header " + name + " is set by the sender itself");
      }
      String value = h.value() == null ? "" : h.value();
      if (value.length() > MAX_HEADER_VALUE
          || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
        throw ApiException.invalid(
            "the value of header "
                + name
                + " must be at most "
                + MAX_HEADER_VALUE
                + " characters without control characters");
      }
      if (map.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(name))) {
        throw ApiException.invalid("the header " + name + " is given twice");
      }
      map.put(name, value);
    }
    String json;
    try {
      json = JSON.writeValueAsString(map);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (json.length() > MAX_HEADERS_LENGTH) {
      throw ApiException.invalid(
          "custom headers take at most " + MAX_HEADERS_LENGTH + " characters in all");
    }
    return json;
  }

  /** The custom headers of a webhook, opened. */
  Map<String, String> headers(UUID webhookId, String sealed) {
    try {
      return JSON.readValue(keys.open(webhookId, sealed), new TypeReference<>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the webhook's headers are not a JSON object", e);
    }
  }

  private Webhook toWebhook(Record r) {
    UUID id = r.get(WEBHOOKS.ID);
    List<String> headerNames = new ArrayList<>();
    try {
      headerNames.addAll(headers(id, r.get(WEBHOOKS.HEADERS)).keySet());
    } catch (IllegalStateException unreadable) {
      // Sealed under another server key: shown as none; updating the headers sets them again.
    }
    return new Webhook(
        id.toString(),
        r.get(INTEGRATIONS.NAME),
        r.get(WEBHOOKS.URL),
        new EventStreams.StreamFilter(
            r.get(WEBHOOKS.NAME_PREFIX),
            r.get(WEBHOOKS.DEVICE_ID),
            r.get(WEBHOOKS.PRODUCT_ID) == null ? null : r.get(WEBHOOKS.PRODUCT_ID).toString(),
            r.get(WEBHOOKS.SOURCE)),
        r.get(WEBHOOKS.BODY_TEMPLATE),
        headerNames,
        Boolean.TRUE.equals(r.get(WEBHOOKS.AUDIT)),
        r.get(WEBHOOKS.SECRET_VERSION),
        r.get(WEBHOOKS.STATUS),
        r.get(WEBHOOKS.PAUSED_REASON),
        r.get(WEBHOOKS.PAUSED_AT),
        r.get(WEBHOOKS.FAILURES),
        r.get(INTEGRATIONS.CREATED_BY),
        r.get(INTEGRATIONS.CREATED_AT),
        r.get(WEBHOOKS.UPDATED_AT));
  }

  static Webhook.Delivery toDelivery(WebhookDeliveriesRecord r) {
    return new Webhook.Delivery(
        r.getId().toString(),
        r.getMessageId(),
        r.getEventName(),
        r.getEventAt(),
        r.getState(),
        r.getAttempts(),
        "PENDING".equals(r.getState()) ? r.getNextAttemptAt() : null,
        r.getReplayOf() == null ? null : r.getReplayOf().toString(),
        r.getCreatedAt(),
        r.getFinishedAt());
  }

  static Webhook.Log toLog(WebhookLogsRecord r) {
    return new Webhook.Log(
        r.getId().toString(),
        r.getDeliveryId().toString(),
        r.getMessageId(),
        r.getAttempt(),
        r.getUrl(),
        r.getRequestBody(),
        r.getStatusCode(),
        r.getError(),
        r.getLatencyMs(),
        r.getResponseExcerpt(),
        r.getNextRetryAt(),
        r.getAttemptedAt());
  }
}
