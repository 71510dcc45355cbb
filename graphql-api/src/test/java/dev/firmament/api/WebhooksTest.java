package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.AUDIT_LOG;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.INTEGRATIONS;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.WEBHOOKS;
import static dev.firmament.sql.generated.Tables.WEBHOOK_DELIVERIES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.caller.Role;
import dev.firmament.api.webhook.WebhookDelivery;
import dev.firmament.api.webhook.WebhookKeys;
import dev.firmament.api.webhook.WebhookKeysTest;
import dev.firmament.api.webhook.WebhookOutbox;
import dev.firmament.api.webhook.WebhookProperties;
import dev.firmament.api.webhook.Webhooks;
import dev.firmament.cloudcode.Commands;
import dev.firmament.integrations.StandardWebhooks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Webhooks end to end on the embedded PostgreSQL: events committed into the change feed, fanned out
 * to deliveries, sent to an HTTP receiver on loopback, retried, paused, resumed and replayed, and
 * taken over by this process after another API process sending them was killed mid-backlog.
 */
class WebhooksTest extends ApiIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static WebhookReceiver receiver;

  @Autowired WebhookDelivery delivery;
  @Autowired WebhookOutbox outbox;
  @Autowired Webhooks webhooks;
  @Autowired WebhookKeys keys;
  @Autowired WebhookProperties properties;

  @BeforeAll
  static void startReceiver() throws IOException {
    receiver = new WebhookReceiver();
  }

  @AfterAll
  static void stopReceiver() {
    receiver.close();
  }

  private static final String CREATE =
      "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret webhook { id name url"
          + " status headerNames secretVersion filter { namePrefix } } } }";

  private static final String WEBHOOK =
      "query($id: ID!) { webhook(id: $id) { status pausedReason failures pending"
          + " deliveries(size: 100) { total items { messageId state attempts replayOf event } }"
          + " logs(size: 100) { total items { attempt statusCode error nextRetryAt"
          + " responseExcerpt latencyMs requestBody } } } }";

  record Hook(String id, String secret, String path, String prefix) {}

  private Hook create(String path, String template, Map<String, String> headers) {
    String prefix = unique("wh") + "/";
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("name", prefix);
    input.put("url", receiver.url(path));
    input.put("filter", Map.of("namePrefix", prefix));
    if (template != null) {
      input.put("bodyTemplate", template);
    }
    List<Map<String, String>> list = new ArrayList<>();
    headers.forEach((k, v) -> list.add(Map.of("name", k, "value", v)));
    input.put("headers", list);
    var created = graphQl.document(CREATE).variable("i", input).execute();
    created.errors().verify();
    String id = created.path("createWebhook.webhook.id").entity(String.class).get();
    String secret = created.path("createWebhook.secret").entity(String.class).get();
    return new Hook(id, secret, path, prefix);
  }

  private UUID organizationId() {
    return dsl.select(ORGANIZATIONS.ID)
        .from(ORGANIZATIONS)
        .where(ORGANIZATIONS.SLUG.eq(TEST_ORGANIZATION))
        .fetchSingle(ORGANIZATIONS.ID);
  }

  /** Events named {@code prefix + "e"}, data {@code {"seq": i}}, each in its own transaction. */
  private void emit(String prefix, int from, int count) {
    UUID org = organizationId();
    for (int i = from; i < from + count; i++) {
      dsl.insertInto(EVENTS)
          .set(EVENTS.ORGANIZATION_ID, org)
          .set(EVENTS.NAME, prefix + "e")
          .set(EVENTS.DATA, "{\"seq\": " + i + "}")
          .set(EVENTS.TTL_SECONDS, 60)
          .set(EVENTS.SCOPE, "private")
          .set(EVENTS.SOURCE, "cloud")
          .execute();
    }
  }

  private static int seq(WebhookReceiver.Received r) {
    try {
      JsonNode body = JSON.readTree(r.body());
      JsonNode data = body.has("data") && body.get("data").isObject() ? body.get("data") : body;
      String text = data.has("data") ? data.get("data").asText() : data.get("seq").asText();
      return text.startsWith("{") ? JSON.readTree(text).get("seq").asInt() : Integer.parseInt(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode webhook(String id) {
    var result = graphQl.document(WEBHOOK).variable("id", id).execute();
    result.errors().verify();
    return JSON.valueToTree(result.path("webhook").entity(Map.class).get());
  }

  @Test
  void eventsArriveSignedInOrderWithTheTemplateAndHeaders(@TempDir Path dir) throws Exception {
    Hook plain = create("/plain", null, Map.of());
    Hook templated =
        create(
            "/templated",
            "{\"name\": \"{{event}}\", \"seq\": \"{{data.seq}}\", \"hook\": \"{{webhookId}}\"}",
            Map.of("X-Api-Key", "k-123"));
    emit(plain.prefix(), 0, 20);
    emit(templated.prefix(), 0, 5);

    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/plain").size() >= 20);
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/templated").size() >= 5);
    List<WebhookReceiver.Received> got = receiver.on("/plain");
    assertThat(got).extracting(WebhooksTest::seq).containsExactlyElementsOf(range(0, 20));
    assertThat(got).extracting(WebhookReceiver.Received::messageId).doesNotHaveDuplicates();
    for (WebhookReceiver.Received r : got) {
      assertThat(
              StandardWebhooks.verify(
                  plain.secret(),
                  r.messageId(),
                  r.timestamp(),
                  r.signature(),
                  r.body(),
                  Instant.now()))
          .as("signature of " + r.messageId())
          .isTrue();
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.get("type").asText()).isEqualTo(plain.prefix() + "e");
      assertThat(body.get("data").get("source").asText()).isEqualTo("CLOUD");
      assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    }
    // A secret of another webhook does not verify.
    WebhookReceiver.Received first = got.getFirst();
    assertThat(
            StandardWebhooks.verify(
                templated.secret(),
                first.messageId(),
                first.timestamp(),
                first.signature(),
                first.body(),
                Instant.now()))
        .isFalse();

    List<WebhookReceiver.Received> shaped = receiver.on("/templated");
    assertThat(shaped).extracting(WebhooksTest::seq).containsExactly(0, 1, 2, 3, 4);
    JsonNode body = JSON.readTree(shaped.getFirst().body());
    assertThat(body.get("name").asText()).isEqualTo(templated.prefix() + "e");
    assertThat(body.get("seq").isNumber()).isTrue();
    assertThat(body.get("hook").asText()).isEqualTo(templated.id());
    assertThat(shaped.getFirst().headers().get("x-api-key")).isEqualTo("k-123");

    // The log has every attempt, and the deliveries are all delivered: the receiver counts a
    // request as it arrives, the sender records the answer after it, so the last one may still be
    // on its way to the database.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode hook = webhook(plain.id());
              assertThat(hook.get("pending").asInt()).isZero();
              assertThat(hook.at("/deliveries/total").asInt()).isEqualTo(20);
              assertThat(hook.at("/logs/total").asInt()).isEqualTo(20);
              assertThat(hook.at("/logs/items/0/statusCode").asInt()).isEqualTo(200);
              assertThat(hook.at("/logs/items/0/responseExcerpt").asText()).isEqualTo("thanks");
              assertThat(hook.at("/logs/items/0/nextRetryAt").isNull()).isTrue();
            });

    verifiedByTheSpecificationsLibrary(dir, plain.secret(), got);
  }

  @Test
  void aFailedAttemptIsRetriedAndRetryAfterIsRespected() {
    Hook hook = create("/flaky", null, Map.of());
    receiver.script(
        "/flaky",
        new WebhookReceiver.Answer(500, null, 0),
        new WebhookReceiver.Answer(429, "2", 0));
    emit(hook.prefix(), 0, 3);
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/flaky").size() >= 5);
    List<WebhookReceiver.Received> got = receiver.on("/flaky");
    // The first message three times (500, 429, 200), then the others, in order.
    assertThat(got).extracting(WebhooksTest::seq).containsExactly(0, 0, 0, 1, 2);
    assertThat(got.get(0).messageId())
        .isEqualTo(got.get(1).messageId())
        .isEqualTo(got.get(2).messageId());
    // The 429 asked for two seconds, which the sender waited.
    assertThat(Duration.between(got.get(1).at(), got.get(2).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    // Newest first: 200, 200, 200 (message 0's third attempt), 429, 500; the last attempt's answer
    // is recorded after the receiver counted it.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode logs = webhook(hook.id()).at("/logs/items");
              assertThat(logs.size()).isGreaterThanOrEqualTo(5);
              assertThat(logs.get(4).get("statusCode").asInt()).isEqualTo(500);
              assertThat(logs.get(4).get("nextRetryAt").isNull()).isFalse();
              assertThat(logs.get(3).get("statusCode").asInt()).isEqualTo(429);
              assertThat(logs.get(2).get("attempt").asInt()).isEqualTo(3);
              assertThat(logs.get(2).get("statusCode").asInt()).isEqualTo(200);
            });
  }

  @Test
  void aClientErrorFailsThatDeliveryForGoodAndTheNextGoesOn() {
    Hook hook = create("/gone", null, Map.of());
    receiver.script("/gone", new WebhookReceiver.Answer(410, null, 0));
    emit(hook.prefix(), 0, 2);
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/gone").size() >= 2);
    assertThat(receiver.on("/gone")).extracting(WebhooksTest::seq).containsExactly(0, 1);
    // The receiver counts a request as it arrives; the sender records its answer after it.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode state = webhook(hook.id());
              assertThat(state.at("/deliveries/items/1/state").asText()).isEqualTo("FAILED");
              assertThat(state.at("/deliveries/items/0/state").asText()).isEqualTo("DELIVERED");
              assertThat(state.get("failures").asInt()).isZero();
            });
  }

  @Test
  void repeatedFailurePausesTheWebhookTellsTheOwnerAndResumeGoesOnInOrder() {
    Hook hook = create("/down", null, Map.of());
    int attempts = properties.maxAttempts();
    for (int i = 0; i < attempts; i++) {
      receiver.script("/down", new WebhookReceiver.Answer(503, null, 0));
    }
    emit(hook.prefix(), 0, 3);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "PAUSED".equals(webhook(hook.id()).get("status").asText()));
    JsonNode paused = webhook(hook.id());
    assertThat(paused.get("pausedReason").asText())
        .contains(attempts + " failed attempts in a row")
        .contains("503");
    assertThat(paused.get("pending").asInt()).isEqualTo(3);
    assertThat(receiver.on("/down")).hasSize(attempts);
    // The organization is told, in its events.
    assertThat(
            dsl.fetchExists(
                EVENTS,
                EVENTS.NAME.eq("firmament/webhook/paused").and(EVENTS.DATA.contains(hook.id()))))
        .isTrue();
    // Paused, nothing is sent, even what comes later, which queues in order.
    emit(hook.prefix(), 3, 1);
    await().during(Duration.ofMillis(800)).until(() -> receiver.on("/down").size() == attempts);

    var resumed =
        graphQl
            .document(
                "mutation($id: ID!) { resumeWebhook(input: {id: $id}) { webhook { status failures } } }")
            .variable("id", hook.id())
            .execute();
    resumed.path("resumeWebhook.webhook.status").entity(String.class).isEqualTo("ACTIVE");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/down").size() >= attempts + 4);
    assertThat(receiver.on("/down").subList(attempts - 1, attempts + 4))
        .extracting(WebhooksTest::seq)
        .containsExactly(0, 0, 1, 2, 3);
  }

  @Test
  void headersSealedUnderAnotherServerKeyPauseTheWebhookTellTheOwnerAndSendNothing() {
    Hook hook = create("/rekeyed", null, Map.of("authorization", "Bearer receiver-token"));
    // As if the server key changed since the headers were set: sealed under another key.
    WebhookProperties other =
        WebhookKeysTest.properties(java.util.Base64.getEncoder().encodeToString(new byte[32]));
    UUID id = UUID.fromString(hook.id());
    dsl.update(WEBHOOKS)
        .set(
            WEBHOOKS.HEADERS,
            new WebhookKeys(other).seal(id, "{\"authorization\": \"Bearer receiver-token\"}"))
        .where(WEBHOOKS.ID.eq(id))
        .execute();
    emit(hook.prefix(), 0, 2);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "PAUSED".equals(webhook(hook.id()).get("status").asText()));
    JsonNode paused = webhook(hook.id());
    assertThat(paused.get("pausedReason").asText())
        .contains("custom headers cannot be read")
        .contains("updateWebhook");
    // Nothing went out without the receiver's credential, and nothing was lost.
    assertThat(receiver.on("/rekeyed")).isEmpty();
    assertThat(paused.get("pending").asInt()).isEqualTo(2);
    assertThat(
            dsl.fetchCount(
                EVENTS,
                EVENTS.NAME.eq("firmament/webhook/paused").and(EVENTS.DATA.contains(hook.id()))))
        .isEqualTo(1);

    // Set again under this server's key and resumed: both go out, with the header, in order.
    graphQl
        .document(
            "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { id } } }")
        .variable(
            "i",
            Map.of(
                "id",
                hook.id(),
                "headers",
                List.of(Map.of("name", "authorization", "value", "Bearer receiver-token"))))
        .execute()
        .errors()
        .verify();
    graphQl
        .document("mutation($id: ID!) { resumeWebhook(input: {id: $id}) { webhook { status } } }")
        .variable("id", hook.id())
        .execute()
        .errors()
        .verify();
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/rekeyed").size() >= 2);
    assertThat(receiver.on("/rekeyed")).extracting(WebhooksTest::seq).containsExactly(0, 1);
    assertThat(receiver.on("/rekeyed"))
        .allSatisfy(
            r -> assertThat(r.headers().get("authorization")).isEqualTo("Bearer receiver-token"));
  }

  @Test
  void aWebhookGivenTheAuditCarriesItsEntriesAndOnlyAuditReadersMayHaveIt() throws Exception {
    String operator = tokenFor(TEST_ORGANIZATION, Role.OPERATOR);
    String name = unique("audit");
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("name", name);
    input.put("url", receiver.url("/audit"));
    input.put("filter", Map.of("namePrefix", "firmament/audit/pauseWebhook"));
    input.put("audit", true);
    // An operator manages integrations but may not read the audit: refused, nothing written.
    assertRefused(as(operator).document(CREATE).variable("i", input), "FORBIDDEN");
    assertThat(dsl.fetchExists(INTEGRATIONS, INTEGRATIONS.NAME.eq(name))).isFalse();

    var created = graphQl.document(CREATE).variable("i", input).execute();
    created.errors().verify();
    String auditId = created.path("createWebhook.webhook.id").entity(String.class).get();
    // A webhook of every event, not given the audit: it must hear none of it.
    Map<String, Object> plain = new LinkedHashMap<>();
    plain.put("name", unique("plain"));
    plain.put("url", receiver.url("/plain"));
    var plainCreated = graphQl.document(CREATE).variable("i", plain).execute();
    plainCreated.errors().verify();
    String plainId = plainCreated.path("createWebhook.webhook.id").entity(String.class).get();

    graphQl
        .document("mutation($id: ID!) { pauseWebhook(input: {id: $id}) { webhook { status } } }")
        .variable("id", plainId)
        .execute()
        .errors()
        .verify();

    await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.on("/audit").isEmpty());
    JsonNode body = JSON.readTree(receiver.on("/audit").getFirst().body());
    assertThat(body.get("type").asText()).isEqualTo("firmament/audit/pauseWebhook");
    assertThat(body.get("data").get("source").asText()).isEqualTo("AUDIT");
    JsonNode entry = JSON.readTree(body.get("data").get("data").asText());
    assertThat(entry.get("action").asText()).isEqualTo("pauseWebhook");
    assertThat(entry.get("actor").asText()).isEqualTo("owner@test.firmament.dev");
    assertThat(entry.get("details").asText()).contains(plainId);
    assertThat(entry.get("entryId").asLong()).isPositive();
    // The plain webhook queues what it hears (an event emitted after the pause), no audit entry.
    String after = unique("after") + "/";
    emit(after, 0, 1);
    UUID plainUuid = UUID.fromString(plainId);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                dsl.fetchExists(
                    WEBHOOK_DELIVERIES,
                    WEBHOOK_DELIVERIES
                        .WEBHOOK_ID
                        .eq(plainUuid)
                        .and(WEBHOOK_DELIVERIES.EVENT_NAME.eq(after + "e"))));
    assertThat(
            dsl.fetchCount(
                WEBHOOK_DELIVERIES,
                WEBHOOK_DELIVERIES
                    .WEBHOOK_ID
                    .eq(plainUuid)
                    .and(WEBHOOK_DELIVERIES.EVENT_NAME.startsWith("firmament/audit/"))))
        .isZero();

    // Without audit:read, its deliveries and log are not shown, and it cannot be changed.
    assertRefused(
        as(operator)
            .document("query($id: ID!) { webhook(id: $id) { deliveries { total } } }")
            .variable("id", auditId),
        "FORBIDDEN");
    assertRefused(
        as(operator)
            .document(
                "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { id } } }")
            .variable("i", Map.of("id", auditId, "url", receiver.url("/elsewhere"))),
        "FORBIDDEN");
    assertThat(webhook(auditId).get("status").asText()).isEqualTo("ACTIVE");
    graphQl
        .document("query($id: ID!) { webhook(id: $id) { audit url } }")
        .variable("id", auditId)
        .execute()
        .path("webhook.audit")
        .entity(Boolean.class)
        .isEqualTo(true)
        .path("webhook.url")
        .entity(String.class)
        .isEqualTo(receiver.url("/audit"));
  }

  @Test
  void aReplaySendsTheRangeAgainWithTheSameIds() {
    Hook hook = create("/replay", null, Map.of());
    OffsetDateTime before = OffsetDateTime.now().minusSeconds(1);
    emit(hook.prefix(), 0, 3);
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/replay").size() >= 3);
    var replay =
        graphQl
            .document(
                "mutation($i: ReplayWebhookDeliveriesInput!) { replayWebhookDeliveries(input: $i)"
                    + " { replayed } }")
            .variable(
                "i",
                Map.of(
                    "id",
                    hook.id(),
                    "from",
                    before.toString(),
                    "to",
                    OffsetDateTime.now().plusSeconds(1).toString()))
            .execute();
    replay.path("replayWebhookDeliveries.replayed").entity(Integer.class).isEqualTo(3);
    // Audited with its range (a DateTime argument).
    assertThat(
            dsl.select(AUDIT_LOG.DETAILS)
                .from(AUDIT_LOG)
                .where(AUDIT_LOG.ACTION.eq("replayWebhookDeliveries"))
                .and(AUDIT_LOG.TARGET.eq("id:" + hook.id()))
                .fetch(AUDIT_LOG.DETAILS))
        .singleElement()
        .asString()
        .contains("\"outcome\":\"ok\"")
        .contains(before.toString().substring(0, 16));
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/replay").size() >= 6);
    List<WebhookReceiver.Received> got = receiver.on("/replay");
    assertThat(got).extracting(WebhooksTest::seq).containsExactly(0, 1, 2, 0, 1, 2);
    assertThat(got.subList(3, 6))
        .extracting(WebhookReceiver.Received::messageId)
        .containsExactlyElementsOf(
            got.subList(0, 3).stream().map(WebhookReceiver.Received::messageId).toList());
    // A range that is backwards is refused and queues nothing.
    var refused =
        graphQl
            .document(
                "mutation($i: ReplayWebhookDeliveriesInput!) { replayWebhookDeliveries(input: $i)"
                    + " { replayed } }")
            .variable(
                "i",
                Map.of(
                    "id",
                    hook.id(),
                    "from",
                    OffsetDateTime.now().toString(),
                    "to",
                    before.toString()))
            .execute();
    refused.errors().expect(e -> "INVALID_ARGUMENT".equals(e.getExtensions().get("code"))).verify();
  }

  @Test
  void aSendingProcessKilledMidBacklogLosesNothingAndReordersNothing() throws Exception {
    List<Hook> hooks =
        List.of(
            create("/t1", null, Map.of()),
            create("/t2", null, Map.of()),
            create("/t3", null, Map.of()));
    int events = 60;
    receiver.delay(20);
    // Another API process sends; this one's sender waits, so the backlog is the other's alone.
    delivery.stop();
    try {
      for (Hook hook : hooks) {
        emit(hook.prefix(), 0, events);
      }
      try (ChildApi sender =
          ChildApi.start(
              "webhook-sender",
              "256m",
              true,
              List.of(
                  "--firmament.webhooks.secret-key=" + WEBHOOK_KEY,
                  "--firmament.webhooks.allowed-ranges=127.0.0.0/8",
                  "--firmament.webhooks.timeout=2s",
                  "--firmament.webhooks.claim=3s",
                  "--firmament.webhooks.poll-interval=50ms",
                  "--firmament.cloud-code.run=false"))) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> hooks.stream().allMatch(h -> receiver.on(h.path()).size() >= 10));
        // kill -9 mid-backlog: its sends in flight are cut, its claims left until they expire.
        sender.kill();
      }
      int atKill = hooks.stream().mapToInt(h -> receiver.on(h.path()).size()).sum();
      assertThat(atKill).isLessThan(3 * events);
      // This process takes the webhooks over once the dead one's claims expire.
      delivery.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  hooks.stream().allMatch(h -> firstSeen(receiver.on(h.path())).size() >= events));
    } finally {
      receiver.delay(0);
      delivery.start();
    }
    for (Hook hook : hooks) {
      List<WebhookReceiver.Received> got = receiver.on(hook.path());
      // Every message once in order of the events; a repeat only of what was in flight.
      assertThat(firstSeen(got)).as(hook.path()).containsExactlyElementsOf(range(0, events));
      assertThat(got.size() - events).as("repeats on " + hook.path()).isLessThanOrEqualTo(1);
      for (int i = 1; i < got.size(); i++) {
        assertThat(seq(got.get(i))).isGreaterThanOrEqualTo(seq(got.get(i - 1)));
      }
    }
  }

  private static List<Integer> firstSeen(List<WebhookReceiver.Received> got) {
    LinkedHashSet<Integer> seen = new LinkedHashSet<>();
    got.forEach(r -> seen.add(seq(r)));
    return new ArrayList<>(seen);
  }

  @Test
  void badWebhooksAreRefusedWithACodeAndWriteNothing() {
    int before = dsl.fetchCount(INTEGRATIONS);
    Map<String, Object> good =
        Map.of("name", unique("bad"), "url", receiver.url("/bad"), "filter", Map.of());
    for (var bad :
        List.of(
            with(good, "url", "https://10.1.2.3/hook"),
            with(good, "url", "https://169.254.169.254/latest/meta-data"),
            with(good, "url", "ftp://example.com/"),
            with(good, "url", "https://user:pw@example.com/"),
            with(good, "bodyTemplate", "{\"a\": \"{{secret}}\"}"),
            with(good, "bodyTemplate", "{not json"),
            with(good, "headers", List.of(Map.of("name", "webhook-signature", "value", "x"))),
            with(good, "headers", List.of(Map.of("name", "X-A", "value", "a\r\nb: c"))),
            with(good, "name", " "),
            with(good, "filter", Map.of("namePrefix", "bad prefix!")))) {
      graphQl
          .document(CREATE)
          .variable("i", bad)
          .execute()
          .errors()
          .expect(e -> "INVALID_ARGUMENT".equals(e.getExtensions().get("code")))
          .verify();
    }
    assertThat(dsl.fetchCount(INTEGRATIONS)).isEqualTo(before);

    // A name in use.
    graphQl.document(CREATE).variable("i", good).execute().errors().verify();
    graphQl
        .document(CREATE)
        .variable("i", good)
        .execute()
        .errors()
        .expect(e -> "ALREADY_EXISTS".equals(e.getExtensions().get("code")))
        .verify();

    // Without the scope: an auditor.
    as(tokenFor(TEST_ORGANIZATION, Role.AUDITOR))
        .document(CREATE)
        .variable("i", with(good, "name", unique("aud")))
        .execute()
        .errors()
        .expect(e -> "FORBIDDEN".equals(e.getExtensions().get("code")))
        .verify();
    // Another organization does not see it.
    String other = tokenFor(unique("org"), Role.OWNER);
    as(other)
        .document("query { integrations { total } }")
        .execute()
        .path("integrations.total")
        .entity(Integer.class)
        .isEqualTo(0);
  }

  @Test
  void theSecretIsShownOnlyWhenMadeOrRotatedAndTheOldOneStopsSigning() {
    Hook hook = create("/rotate", null, Map.of("Authorization", "Bearer s3cret"));
    var rotated =
        graphQl
            .document(
                "mutation($id: ID!) { rotateWebhookSecret(input: {id: $id}) { secret webhook {"
                    + " secretVersion headerNames } } }")
            .variable("id", hook.id())
            .execute();
    String secret = rotated.path("rotateWebhookSecret.secret").entity(String.class).get();
    assertThat(secret).startsWith("whsec_").isNotEqualTo(hook.secret());
    rotated.path("rotateWebhookSecret.webhook.secretVersion").entity(Integer.class).isEqualTo(2);
    rotated
        .path("rotateWebhookSecret.webhook.headerNames")
        .entityList(String.class)
        .containsExactly("Authorization");
    emit(hook.prefix(), 0, 1);
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.on("/rotate").size() >= 1);
    WebhookReceiver.Received r = receiver.on("/rotate").getFirst();
    assertThat(r.headers().get("authorization")).isEqualTo("Bearer s3cret");
    assertThat(
            StandardWebhooks.verify(
                secret, r.messageId(), r.timestamp(), r.signature(), r.body(), Instant.now()))
        .isTrue();
    assertThat(
            StandardWebhooks.verify(
                hook.secret(),
                r.messageId(),
                r.timestamp(),
                r.signature(),
                r.body(),
                Instant.now()))
        .isFalse();
    // The header's value is stored encrypted, not as given.
    String stored =
        dsl.select(dev.firmament.sql.generated.Tables.WEBHOOKS.HEADERS)
            .from(dev.firmament.sql.generated.Tables.WEBHOOKS)
            .where(dev.firmament.sql.generated.Tables.WEBHOOKS.ID.eq(UUID.fromString(hook.id())))
            .fetchSingle(dev.firmament.sql.generated.Tables.WEBHOOKS.HEADERS);
    assertThat(stored).doesNotContain("s3cret").doesNotContain("Authorization");
    // And the audit keeps how many headers there were, not what they said.
    assertThat(
            dsl.select(AUDIT_LOG.DETAILS)
                .from(AUDIT_LOG)
                .where(AUDIT_LOG.ACTION.eq("createWebhook"))
                .and(AUDIT_LOG.DETAILS.contains(hook.prefix()))
                .fetch(AUDIT_LOG.DETAILS))
        .singleElement()
        .asString()
        .contains("[1 headers]")
        .doesNotContain("s3cret");
  }

  private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(base);
    copy.put(key, value);
    return copy;
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  /**
   * The deliveries checked with the Standard Webhooks project's own JavaScript library, when node
   * and npm are here (skipped otherwise: our own verifier has checked them above).
   */
  private static void verifiedByTheSpecificationsLibrary(
      Path dir, String secret, List<WebhookReceiver.Received> got) throws Exception {
    Assumptions.assumeTrue(
        Commands.run(dir, 30, "node", "--version") == 0
            && Commands.run(dir, 30, "npm", "--version") == 0,
        "skipped: node and npm are needed to run the specification's library");
    Assumptions.assumeTrue(
        Commands.run(
                dir,
                120,
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "standardwebhooks@1.0.0")
            == 0,
        "skipped: the standardwebhooks npm package could not be installed");
    List<Map<String, String>> messages = new ArrayList<>();
    for (WebhookReceiver.Received r : got) {
      messages.add(
          Map.of(
              "id", r.messageId(),
              "timestamp", r.timestamp(),
              "signature", r.signature(),
              "body", r.body()));
    }
    Path input = dir.resolve("messages.json");
    Files.writeString(input, JSON.writeValueAsString(messages));
    Path script = dir.resolve("verify.js");
    Files.writeString(
        script,
        """
        const { Webhook } = require("standardwebhooks");
        const fs = require("fs");
        const [secret, file] = process.argv.slice(2);
        const wh = new Webhook(secret);
        let n = 0;
        for (const m of JSON.parse(fs.readFileSync(file, "utf8"))) {
          wh.verify(m.body, { "webhook-id": m.id, "webhook-timestamp": m.timestamp,
                              "webhook-signature": m.signature });
          n++;
        }
        process.stdout.write("verified " + n);
        """);
    Process p =
        new ProcessBuilder("node", script.toString(), secret, input.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).isEqualTo("verified " + got.size());
  }
}
