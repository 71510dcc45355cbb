package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.CLOUD_CODE;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTION_DEVICES;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_RUNS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_VERSIONS;
import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CALLS;
import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.firmament.api.caller.Role;
import dev.firmament.protocol.CloudCall;
import dev.firmament.protocol.CloudReply;
import dev.firmament.sql.generated.tables.records.DeviceCallsRecord;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * Cloud code through the API on the embedded PostgreSQL: modules deployed and versioned, functions
 * run on events, on a schedule and by hand, their capabilities bound to the organization (device
 * functions called over the embedded broker, within each function's allowance), and runaways
 * stopped with the events around them still processed.
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

  /** A device of the caller's organization on {@code productId} that declares {@code led}. */
  private String declaredDevice(HttpGraphQlTester as, String productId, boolean online) {
    String id = registerDevices(as, productId, unique("cd"), 1).getFirst();
    UUID organization =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(id))
            .fetchSingle(DEVICES.ORGANIZATION_ID);
    // As the workers record a device's presence and declarations from what it publishes.
    dsl.update(DEVICES).set(DEVICES.ONLINE, online).where(DEVICES.ID.eq(id)).execute();
    dsl.insertInto(DEVICE_FUNCTIONS)
        .set(DEVICE_FUNCTIONS.ORGANIZATION_ID, organization)
        .set(DEVICE_FUNCTIONS.DEVICE_ID, id)
        .set(DEVICE_FUNCTIONS.NAME, "led")
        .set(DEVICE_FUNCTIONS.POSITION, 0)
        .execute();
    return id;
  }

  /** The reference device's {@code led}: 1 when it is then on, 0 when off. */
  private static final Function<CloudCall.Function, CloudReply> LED =
      call -> CloudReply.returned("on".equals(call.argument()) ? 1 : 0);

  private TestDevice connected(String id, Function<CloudCall.Function, CloudReply> answer) {
    return TestDevice.connect(STACK.broker.url(), id, answer);
  }

  private Map<String, Object> callingFunction(
      String codeId, String name, String handler, Map<String, Object> deviceCalls) {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("cloudCodeId", codeId);
    input.put("name", name);
    input.put("handler", handler);
    input.put("trigger", "EVENT");
    input.put("filter", Map.of("namePrefix", unique("press") + "/"));
    if (deviceCalls != null) {
      input.put("deviceCalls", deviceCalls);
    }
    return input;
  }

  private List<DeviceCallsRecord> callsBy(String actor) {
    return dsl.selectFrom(DEVICE_CALLS)
        .where(DEVICE_CALLS.ACTOR.eq(actor))
        .orderBy(DEVICE_CALLS.CALLED_AT)
        .fetch();
  }

  @Test
  void aFunctionOnADeviceEventCallsTheDevicesOfItsAllowanceAndNoOthers() {
    String product = createProduct();
    String other = createProduct();
    String a = declaredDevice(graphQl, product, true);
    String outside = declaredDevice(graphQl, product, true);
    String offline = declaredDevice(graphQl, product, false);
    String silent = declaredDevice(graphQl, product, true);
    String b = declaredDevice(graphQl, other, true);
    HttpGraphQlTester elsewhere = as(tokenFor(unique("org"), Role.OWNER));
    String foreign = declaredDevice(elsewhere, createProduct(elsewhere), true);
    String ghost = unique("ghost");
    try (TestDevice deviceA = connected(a, LED);
        TestDevice deviceB = connected(b, LED);
        TestDevice deviceOutside = connected(outside, LED);
        TestDevice deviceForeign = connected(foreign, LED);
        TestDevice deviceSilent = connected(silent, null)) {
      String name = unique("caller");
      String code = deploy(name, "device");
      String prefix = unique("press") + "/";
      Map<String, Object> input =
          callingFunction(
              code,
              "press",
              "on_event",
              Map.of(
                  "deviceIds", List.of(a, offline, silent),
                  "productIds", List.of(other),
                  "maxPerRun", 4));
      input.put("filter", Map.of("namePrefix", prefix));
      var created =
          graphQl
              .document(
                  "mutation($i: CreateCloudCodeFunctionInput!) { createCloudCodeFunction(input:"
                      + " $i) { function { id deviceCalls { deviceIds productIds maxPerRun } } } }")
              .variable("i", input)
              .execute();
      created.errors().verify();
      String fn = created.path("createCloudCodeFunction.function.id").entity(String.class).get();
      created
          .path("createCloudCodeFunction.function.deviceCalls.deviceIds")
          .entityList(String.class)
          .containsExactly(a, offline, silent);
      created
          .path("createCloudCodeFunction.function.deviceCalls.productIds")
          .entityList(String.class)
          .containsExactly(other);
      created
          .path("createCloudCodeFunction.function.deviceCalls.maxPerRun")
          .entity(Integer.class)
          .isEqualTo(4);

      // A button pressed on device a: its event runs the function, which calls one device after
      // another (each "device function argument").
      dsl.insertInto(EVENTS)
          .set(EVENTS.ORGANIZATION_ID, organizationId())
          .set(EVENTS.NAME, prefix + "button")
          .set(
              EVENTS.DATA,
              String.join(
                  ";",
                  a + " led on",
                  outside + " led on",
                  foreign + " led on",
                  ghost + " led on",
                  offline + " led on",
                  b + " led off",
                  silent + " led on",
                  a + " led off"))
          .set(EVENTS.DEVICE_ID, a)
          .set(EVENTS.TTL_SECONDS, 60)
          .set(EVENTS.SCOPE, "private")
          .set(EVENTS.SOURCE, "device")
          .execute();
      await().atMost(Duration.ofSeconds(30)).until(() -> !statuses(fn).isEmpty());
      var run =
          dsl.selectFrom(CLOUD_CODE_RUNS)
              .where(CLOUD_CODE_RUNS.FUNCTION_ID.eq(UUID.fromString(fn)))
              .fetchSingle();
      assertThat(run.getStatus()).isEqualTo("OK");
      assertThat(run.getTrigger()).isEqualTo("EVENT");
      // Every call's code and, when the device answered, its value; what was refused, and why.
      // A device of another organization is refused in the words of one that does not exist.
      assertThat(run.getLog().split("\n"))
          .containsExactly(
              a + ": 0 1",
              "refused: device " + outside + " is not one this function may call",
              outside + ": -3",
              "refused: no device " + foreign + " in the organization",
              foreign + ": -1",
              "refused: no device " + ghost + " in the organization",
              ghost + ": -1",
              "refused: device " + offline + " is offline",
              offline + ": -8",
              b + ": 0 0",
              "refused: device "
                  + silent
                  + " did not answer within 2000 ms; it may still run the call",
              silent + ": -7",
              "refused: a run of this function calls devices at most 4 times",
              a + ": -5");
      // The devices saw the calls they were sent, with their arguments, and no others.
      assertThat(deviceA.calls()).containsExactly("led(on)");
      assertThat(deviceB.calls()).containsExactly("led(off)");
      assertThat(deviceSilent.calls()).containsExactly("led(on)");
      assertThat(deviceOutside.calls()).isEmpty();
      assertThat(deviceForeign.calls()).isEmpty();

      // Every call that was made is recorded as any device call is, with the function as actor.
      String actor = "cloud-code:" + name + "/press";
      await().atMost(Duration.ofSeconds(10)).until(() -> callsBy(actor).size() == 4);
      List<DeviceCallsRecord> recorded = callsBy(actor);
      assertThat(recorded)
          .extracting(
              DeviceCallsRecord::getDeviceId,
              DeviceCallsRecord::getOutcome,
              DeviceCallsRecord::getReturnValue,
              DeviceCallsRecord::getArgumentBytes)
          .containsExactly(
              tuple(a, "ok", 1, 2),
              tuple(offline, "offline", null, 2),
              tuple(b, "ok", 0, 3),
              tuple(silent, "timeout", null, 2));
      assertThat(recorded).allSatisfy(r -> assertThat(r.getName()).isEqualTo("led"));
      assertThat(dsl.fetchCount(DEVICE_CALLS, DEVICE_CALLS.DEVICE_ID.in(outside, foreign)))
          .isZero();
      // As operators read it.
      graphQl
          .document("query($id: ID!) { device(id: $id) { calls { items { actor outcome } } } }")
          .variable("id", a)
          .execute()
          .path("device.calls.items[0]")
          .matchesJson("{\"actor\":\"" + actor + "\",\"outcome\":\"OK\"}");
    }
  }

  @Test
  void aDeviceCallWaitsNoLongerThanWhatIsLeftOfTheRunsTime() {
    String silent = declaredDevice(graphQl, createProduct(), true);
    try (TestDevice device = connected(silent, null)) {
      String name = unique("patient");
      String code = deploy(name, "device");
      var created =
          graphQl
              .document(FUNCTION)
              .variable(
                  "i",
                  callingFunction(
                      code,
                      "insist",
                      "until_answered",
                      Map.of("deviceIds", List.of(silent), "maxPerRun", 10)))
              .execute();
      created.errors().verify();
      String fn = created.path("createCloudCodeFunction.function.id").entity(String.class).get();
      // It calls again while the device does not answer: two calls of the call timeout (2 s)
      // fit in the run's 5 s, the third is cut at the run's time, and the run ends there.
      var run =
          graphQl
              .mutate()
              .responseTimeout(Duration.ofSeconds(30))
              .build()
              .document(
                  "mutation($i: RunCloudCodeFunctionInput!) { runCloudCodeFunction(input: $i) {"
                      + " run { status durationMs log } } }")
              .variable("i", Map.of("id", fn, "event", "{\"data\":\"" + silent + " led on\"}"))
              .execute();
      run.errors().verify();
      run.path("runCloudCodeFunction.run.status").entity(String.class).isEqualTo("TIMED_OUT");
      run.path("runCloudCodeFunction.run.durationMs")
          .entity(Integer.class)
          .satisfies(ms -> assertThat(ms).isBetween(5000, 5999));
      String actor = "cloud-code:" + name + "/insist";
      await().atMost(Duration.ofSeconds(10)).until(() -> callsBy(actor).size() >= 3);
      List<DeviceCallsRecord> recorded = callsBy(actor);
      assertThat(recorded).allSatisfy(r -> assertThat(r.getOutcome()).isEqualTo("timeout"));
      assertThat(recorded.get(0).getLatencyMs()).isGreaterThanOrEqualTo(1990);
      assertThat(recorded.get(1).getLatencyMs()).isGreaterThanOrEqualTo(1990);
      assertThat(recorded.getLast().getLatencyMs()).isLessThan(1990);
      assertThat(device.calls()).hasSameSizeAs(recorded);
    }
  }

  @Test
  void anAllowanceNamesOnlyTheOrganizationsDevicesAndProductsAndARefusalWritesNothing() {
    String product = createProduct();
    String device = declaredDevice(graphQl, product, true);
    HttpGraphQlTester elsewhere = as(tokenFor(unique("org"), Role.OWNER));
    String foreignProduct = createProduct(elsewhere);
    String foreign = declaredDevice(elsewhere, foreignProduct, true);
    String ghost = unique("ghost");
    String code = deploy(unique("allow"), "device");
    int functions = dsl.fetchCount(CLOUD_CODE_FUNCTIONS);
    int allowed = dsl.fetchCount(CLOUD_CODE_FUNCTION_DEVICES);

    Map<String, String> notFound = new LinkedHashMap<>();
    for (var bad :
        List.<Map<String, Object>>of(
            Map.of("deviceIds", List.of(device, foreign), "maxPerRun", 1),
            Map.of("deviceIds", List.of(ghost), "maxPerRun", 1),
            Map.of("productIds", List.of(foreignProduct), "maxPerRun", 1),
            Map.of("productIds", List.of("not-a-product"), "maxPerRun", 1))) {
      graphQl
          .document(FUNCTION)
          .variable("i", callingFunction(code, "f", "on_event", bad))
          .execute()
          .errors()
          .satisfy(
              errors ->
                  assertThat(errors)
                      .singleElement()
                      .satisfies(
                          e -> {
                            assertThat(e.getExtensions()).containsEntry("code", "NOT_FOUND");
                            notFound.put(bad.toString(), e.getMessage());
                          }));
    }
    // Another organization's device and product look exactly like ones that do not exist.
    assertThat(notFound.values())
        .containsExactly(
            "no device " + foreign,
            "no device " + ghost,
            "no product " + foreignProduct,
            "no product not-a-product");
    for (var bad :
        List.<Map<String, Object>>of(
            Map.of("deviceIds", List.of(), "productIds", List.of(), "maxPerRun", 1),
            Map.of("deviceIds", List.of(device), "maxPerRun", 0),
            Map.of("deviceIds", List.of(device), "maxPerRun", 11),
            Map.of(
                "deviceIds",
                IntStream.range(0, 101).mapToObj(i -> device + i).toList(),
                "maxPerRun",
                1))) {
      graphQl
          .document(FUNCTION)
          .variable("i", callingFunction(code, "f", "on_event", bad))
          .execute()
          .errors()
          .expect(e -> "INVALID_ARGUMENT".equals(e.getExtensions().get("code")))
          .verify();
    }
    assertThat(dsl.fetchCount(CLOUD_CODE_FUNCTIONS)).isEqualTo(functions);
    assertThat(dsl.fetchCount(CLOUD_CODE_FUNCTION_DEVICES)).isEqualTo(allowed);

    // A device named twice is allowed once; a function given no allowance calls no device.
    var made =
        graphQl
            .document(
                "mutation($i: CreateCloudCodeFunctionInput!) { createCloudCodeFunction(input: $i)"
                    + " { function { id deviceCalls { deviceIds productIds maxPerRun } } } }")
            .variable(
                "i",
                callingFunction(
                    code,
                    "f",
                    "on_event",
                    Map.of(
                        "deviceIds",
                        List.of(device, device),
                        "productIds",
                        List.of(product),
                        "maxPerRun",
                        10)))
            .execute();
    made.errors().verify();
    made.path("createCloudCodeFunction.function.deviceCalls")
        .matchesJson(
            "{\"deviceIds\":[\""
                + device
                + "\"],\"productIds\":[\""
                + product
                + "\"],\"maxPerRun\":10}");
    var none =
        graphQl
            .document(
                "mutation($i: CreateCloudCodeFunctionInput!) { createCloudCodeFunction(input: $i)"
                    + " { function { id deviceCalls { maxPerRun } } } }")
            .variable("i", callingFunction(code, "g", "direct", null))
            .execute();
    none.path("createCloudCodeFunction.function.deviceCalls").valueIsNull();
    String g = none.path("createCloudCodeFunction.function.id").entity(String.class).get();
    var refused =
        graphQl
            .document(
                "mutation($i: RunCloudCodeFunctionInput!) { runCloudCodeFunction(input: $i) {"
                    + " run { status returnCode log } } }")
            .variable("i", Map.of("id", g, "event", "on"))
            .execute();
    refused.path("runCloudCodeFunction.run.returnCode").entity(Integer.class).isEqualTo(-3);
    refused
        .path("runCloudCodeFunction.run.log")
        .entityList(String.class)
        .containsExactly("refused: this function was given no devices it may call");
  }

  private static Map<String, Object> with(Map<String, Object> base, Object... keysAndValues) {
    Map<String, Object> copy = new LinkedHashMap<>(base);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      copy.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return copy;
  }
}
