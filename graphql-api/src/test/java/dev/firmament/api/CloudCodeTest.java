package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.CLOUD_CODE;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_RUNS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_VERSIONS;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.api.caller.Role;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Cloud code through the API on the embedded PostgreSQL: modules deployed and versioned, functions
 * run on events, on a schedule and by hand, their capabilities bound to the organization, and
 * runaways stopped with the events around them still processed.
 */
class CloudCodeTest extends ApiIntegrationTest {
  private static final String DEPLOY =
      "mutation($i: DeployCloudCodeInput!) { deployCloudCode(input: $i) { cloudCode { id name"
          + " version handlers versions { version sha256 sizeBytes } } } }";
  private static final String FUNCTION =
      "mutation($i: CreateCloudCodeFunctionInput!) { createCloudCodeFunction(input: $i) {"
          + " function { id name handler trigger enabled } } }";

  static String module(String name) {
    try (InputStream in = CloudCodeTest.class.getResourceAsStream("/wasm/" + name + ".wasm")) {
      return Base64.getEncoder().encodeToString(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private String deploy(String name, String module) {
    var result =
        graphQl
            .document(DEPLOY)
            .variable("i", Map.of("name", name, "module", module(module)))
            .execute();
    result.errors().verify();
    return result.path("deployCloudCode.cloudCode.id").entity(String.class).get();
  }

  private String function(String codeId, String name, String prefix) {
    var result =
        graphQl
            .document(FUNCTION)
            .variable(
                "i",
                Map.of(
                    "cloudCodeId",
                    codeId,
                    "name",
                    name,
                    "handler",
                    "on_event",
                    "trigger",
                    "EVENT",
                    "filter",
                    Map.of("namePrefix", prefix)))
            .execute();
    result.errors().verify();
    return result.path("createCloudCodeFunction.function.id").entity(String.class).get();
  }

  private UUID organizationId() {
    return dsl.select(ORGANIZATIONS.ID)
        .from(ORGANIZATIONS)
        .where(ORGANIZATIONS.SLUG.eq(TEST_ORGANIZATION))
        .fetchSingle(ORGANIZATIONS.ID);
  }

  private void emit(String name, String data) {
    dsl.insertInto(EVENTS)
        .set(EVENTS.ORGANIZATION_ID, organizationId())
        .set(EVENTS.NAME, name)
        .set(EVENTS.DATA, data)
        .set(EVENTS.TTL_SECONDS, 60)
        .set(EVENTS.SCOPE, "private")
        .set(EVENTS.SOURCE, "device")
        .execute();
  }

  private List<String> statuses(String functionId) {
    return dsl.select(CLOUD_CODE_RUNS.STATUS)
        .from(CLOUD_CODE_RUNS)
        .where(CLOUD_CODE_RUNS.FUNCTION_ID.eq(UUID.fromString(functionId)))
        .orderBy(CLOUD_CODE_RUNS.ID)
        .fetch(CLOUD_CODE_RUNS.STATUS);
  }

  @Test
  void anEventRunsItsFunctionWhichPublishesButNeverTriggersItself() {
    String name = unique("echo");
    String code = deploy(name, "echo");
    // The function's filter keeps its own output (cloud/echo) too: it must still run once.
    String prefix = unique("cc") + "/";
    String echo = function(code, "echo", prefix);
    String loopback = function(code, "loopback", "cloud/");
    emit(prefix + "start", "{\"n\":1}");
    await().atMost(Duration.ofSeconds(20)).until(() -> !statuses(echo).isEmpty());
    assertThat(statuses(echo)).containsExactly("OK");
    var published =
        dsl.selectFrom(EVENTS)
            .where(EVENTS.NAME.eq("cloud/echo"))
            .and(EVENTS.DATA.contains(prefix + "start"))
            .fetchSingle();
    assertThat(published.getSource()).isEqualTo("code");
    assertThat(published.getData()).contains("\"data\":\"{\\\"n\\\":1}\"");
    // The published event reached neither function, though loopback's filter keeps it.
    await().during(Duration.ofMillis(600)).until(() -> statuses(loopback).isEmpty());
    assertThat(statuses(echo)).hasSize(1);

    var runs =
        graphQl
            .document(
                "query($id: ID!) { cloudCode(id: $id) { functions { name runs { total items {"
                    + " status trigger eventName log instructions version } } } } }")
            .variable("id", code)
            .execute();
    runs.errors().verify();
    runs.path("cloudCode.functions[?(@.name == 'echo')].runs.items[0].log[0]")
        .entityList(String.class)
        .containsExactly("echoing");
    runs.path("cloudCode.functions[?(@.name == 'echo')].runs.items[0].trigger")
        .entityList(String.class)
        .containsExactly("EVENT");
    // The events published by cloud code are source CODE in the history.
    graphQl
        .document(
            "{ events(filter: {namePrefix: \"cloud/echo\", source: CODE}, size: 1) { items {"
                + " source } } }")
        .execute()
        .path("events.items[0].source")
        .entity(String.class)
        .isEqualTo("CODE");
  }

  @Test
  void aRunawayIsStoppedAndTheEventsAroundItAreStillProcessed() {
    String loop = deploy(unique("loop"), "loop");
    String echo = deploy(unique("echo"), "echo");
    String prefix = unique("run") + "/";
    String spin = function(loop, "spin", prefix);
    String fine = function(echo, "fine", prefix);
    emit(prefix + "a", "1");
    emit(prefix + "b", "2");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> statuses(spin).size() == 2 && statuses(fine).size() == 2);
    assertThat(statuses(spin)).containsExactly("INSTRUCTIONS_EXHAUSTED", "INSTRUCTIONS_EXHAUSTED");
    assertThat(statuses(fine)).containsExactly("OK", "OK");
    String message =
        dsl.select(CLOUD_CODE_RUNS.MESSAGE)
            .from(CLOUD_CODE_RUNS)
            .where(CLOUD_CODE_RUNS.FUNCTION_ID.eq(UUID.fromString(spin)))
            .limit(1)
            .fetchSingle(CLOUD_CODE_RUNS.MESSAGE);
    assertThat(message).contains("5000000 instructions");
  }

  @Test
  void aFunctionWritesAndReadsTheOrganizationsLedgerAsItself() {
    String ledger = "state";
    graphQl
        .document(
            "mutation($i: CreateLedgerInput!) { createLedger(input: $i) { ledger { name } } }")
        .variable(
            "i", Map.of("name", ledger, "scope", "ORGANIZATION", "direction", "CLOUD_TO_DEVICE"))
        .execute();
    String name = unique("ledger");
    String code = deploy(name, "ledger");
    String fn = function(code, "keep", unique("never") + "/");
    var run =
        graphQl
            .document(
                "mutation($i: RunCloudCodeFunctionInput!) { runCloudCodeFunction(input: $i) {"
                    + " run { status trigger returnCode message } } }")
            .variable("i", Map.of("id", fn, "event", "{\"count\":3}"))
            .execute();
    run.errors().verify();
    run.path("runCloudCodeFunction.run.status").entity(String.class).isEqualTo("OK");
    run.path("runCloudCodeFunction.run.trigger").entity(String.class).isEqualTo("MANUAL");
    var instance =
        graphQl
            .document("{ ledger(name: \"state\") { instances { items { data updatedBy } } } }")
            .execute();
    instance.path("ledger.instances.items[0].data").entity(String.class).isEqualTo("{\"count\":3}");
    instance
        .path("ledger.instances.items[0].updatedBy")
        .entity(String.class)
        .isEqualTo("cloud-code:" + name + "/keep");
    // A document that is not JSON is refused: the function sees a refusal, the log says why.
    var refused =
        graphQl
            .document(
                "mutation($i: RunCloudCodeFunctionInput!) { runCloudCodeFunction(input: $i) {"
                    + " run { status returnCode log } } }")
            .variable("i", Map.of("id", fn, "event", "not json"))
            .execute();
    refused.path("runCloudCodeFunction.run.status").entity(String.class).isEqualTo("FAILED");
    refused.path("runCloudCodeFunction.run.returnCode").entity(Integer.class).isEqualTo(-3);
    refused
        .path("runCloudCodeFunction.run.log[0]")
        .entity(String.class)
        .satisfies(line -> assertThat(line).startsWith("refused: "));
  }

  @Test
  void aFunctionPostsOnlyToItsHttpTargets() throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      String code = deploy(unique("http"), "http");
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("cloudCodeId", code);
      input.put("name", "post");
      input.put("handler", "on_event");
      input.put("trigger", "EVENT");
      input.put("filter", Map.of("namePrefix", unique("never") + "/"));
      input.put("httpTargets", List.of(receiver.url("/allowed/")));
      var created = graphQl.document(FUNCTION).variable("i", input).execute();
      created.errors().verify();
      String fn = created.path("createCloudCodeFunction.function.id").entity(String.class).get();
      String run =
          "mutation($i: RunCloudCodeFunctionInput!) { runCloudCodeFunction(input: $i) { run {"
              + " status returnCode log } } }";
      var ok =
          graphQl
              .document(run)
              .variable("i", Map.of("id", fn, "event", receiver.url("/allowed/hook")))
              .execute();
      ok.path("runCloudCodeFunction.run.status").entity(String.class).isEqualTo("OK");
      assertThat(receiver.on("/allowed/hook"))
          .singleElement()
          .extracting(r -> r.body())
          .isEqualTo("ping");
      assertThat(
              dsl.fetchExists(EVENTS, EVENTS.NAME.eq("cloud/http").and(EVENTS.DATA.eq("thanks"))))
          .isTrue();
      // Not one of its targets: refused, nothing sent.
      var refused =
          graphQl
              .document(run)
              .variable("i", Map.of("id", fn, "event", receiver.url("/other")))
              .execute();
      refused.path("runCloudCodeFunction.run.returnCode").entity(Integer.class).isEqualTo(-3);
      assertThat(receiver.on("/other")).isEmpty();
      // A target no webhook could reach is refused when the function is made.
      input.put("name", "private");
      input.put("httpTargets", List.of("https://10.1.2.3/hook"));
      graphQl
          .document(FUNCTION)
          .variable("i", input)
          .execute()
          .errors()
          .expect(
              e ->
                  "INVALID_ARGUMENT".equals(e.getExtensions().get("code"))
                      && e.getMessage().contains("private"))
          .verify();
    }
  }

  @Test
  void aScheduledFunctionRunsWhenItIsDue() {
    String code = deploy(unique("tick"), "echo");
    var created =
        graphQl
            .document(FUNCTION)
            .variable(
                "i",
                Map.of(
                    "cloudCodeId", code,
                    "name", "tick",
                    "handler", "on_event",
                    "trigger", "SCHEDULE",
                    "everySeconds", 3600))
            .execute();
    created.errors().verify();
    String fn = created.path("createCloudCodeFunction.function.id").entity(String.class).get();
    // Due now (as if an hour had passed).
    dsl.update(CLOUD_CODE_FUNCTIONS)
        .set(CLOUD_CODE_FUNCTIONS.NEXT_RUN_AT, OffsetDateTime.now().minusSeconds(1))
        .where(CLOUD_CODE_FUNCTIONS.ID.eq(UUID.fromString(fn)))
        .execute();
    await().atMost(Duration.ofSeconds(20)).until(() -> !statuses(fn).isEmpty());
    assertThat(statuses(fn)).containsExactly("OK");
    assertThat(
            dsl.select(CLOUD_CODE_FUNCTIONS.NEXT_RUN_AT)
                .from(CLOUD_CODE_FUNCTIONS)
                .where(CLOUD_CODE_FUNCTIONS.ID.eq(UUID.fromString(fn)))
                .fetchSingle(CLOUD_CODE_FUNCTIONS.NEXT_RUN_AT))
        .isAfter(OffsetDateTime.now().plusMinutes(50));
    assertThat(
            dsl.selectFrom(EVENTS)
                .where(EVENTS.NAME.eq("cloud/echo"))
                .and(EVENTS.DATA.contains("scheduledAt"))
                .fetch())
        .isNotEmpty();
  }

  @Test
  void modulesAndFunctionsThatCannotRunAreRefusedAndWriteNothing() {
    int codes = dsl.fetchCount(CLOUD_CODE);
    int versions = dsl.fetchCount(CLOUD_CODE_VERSIONS);
    for (Map<String, Object> bad :
        List.of(
            Map.<String, Object>of("name", unique("fs"), "module", module("files")),
            Map.<String, Object>of("name", unique("b64"), "module", "%%%"),
            Map.<String, Object>of("name", " ", "module", module("echo")))) {
      graphQl
          .document(DEPLOY)
          .variable("i", bad)
          .execute()
          .errors()
          .expect(e -> "INVALID_ARGUMENT".equals(e.getExtensions().get("code")))
          .verify();
    }
    var fs =
        graphQl
            .document(DEPLOY)
            .variable("i", Map.of("name", unique("fs"), "module", module("files")))
            .execute();
    fs.errors()
        .expect(
            e ->
                e.getMessage().contains("wasi_snapshot_preview1.path_open")
                    && e.getMessage().contains("no file system"))
        .verify();
    assertThat(dsl.fetchCount(CLOUD_CODE)).isEqualTo(codes);
    assertThat(dsl.fetchCount(CLOUD_CODE_VERSIONS)).isEqualTo(versions);

    // A new version that lacks a handler a function uses.
    String name = unique("v");
    String code = deploy(name, "echo");
    function(code, "uses", unique("x") + "/");
    graphQl
        .document(DEPLOY)
        .variable("i", Map.of("name", name, "module", module("hostile")))
        .execute()
        .errors()
        .expect(e -> "FAILED_PRECONDITION".equals(e.getExtensions().get("code")))
        .verify();
    // One that keeps it is version 2.
    var again =
        graphQl
            .document(DEPLOY)
            .variable("i", Map.of("name", name, "module", module("ledger")))
            .execute();
    again.path("deployCloudCode.cloudCode.version").entity(Integer.class).isEqualTo(2);
    again
        .path("deployCloudCode.cloudCode.versions[*].version")
        .entityList(Integer.class)
        .containsExactly(2, 1);

    Map<String, Object> badFunction = new LinkedHashMap<>();
    badFunction.put("cloudCodeId", code);
    badFunction.put("name", "f");
    badFunction.put("handler", "nope");
    badFunction.put("trigger", "EVENT");
    for (var input :
        List.of(
            badFunction,
            with(badFunction, "handler", "on_event", "trigger", "SCHEDULE"),
            with(badFunction, "handler", "on_event", "everySeconds", 60),
            with(
                with(badFunction, "handler", "on_event", "trigger", "SCHEDULE"),
                "everySeconds",
                59,
                "name",
                "g"),
            with(badFunction, "handler", "on_event", "filter", Map.of("source", "CODE")))) {
      graphQl
          .document(FUNCTION)
          .variable("i", input)
          .execute()
          .errors()
          .expect(e -> "INVALID_ARGUMENT".equals(e.getExtensions().get("code")))
          .verify();
    }
    // Without the scope, and from another organization.
    as(tokenFor(TEST_ORGANIZATION, Role.AUDITOR))
        .document(DEPLOY)
        .variable("i", Map.of("name", unique("a"), "module", module("echo")))
        .execute()
        .errors()
        .expect(e -> "FORBIDDEN".equals(e.getExtensions().get("code")))
        .verify();
    as(tokenFor(unique("org"), Role.OWNER))
        .document("query($id: ID!) { cloudCode(id: $id) { name } }")
        .variable("id", code)
        .execute()
        .errors()
        .expect(e -> "NOT_FOUND".equals(e.getExtensions().get("code")))
        .verify();
  }

  private static Map<String, Object> with(Map<String, Object> base, Object... keysAndValues) {
    Map<String, Object> copy = new LinkedHashMap<>(base);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      copy.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return copy;
  }
}
