package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CALLS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.DeviceAgent;
import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.protocol.DeviceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's {@code CallFunction} and {@code ReadVariable}, verbatim, against simulated devices
 * through the whole stack: the API sends each call through the broker (with device identity
 * enforced) and waits for the device's reply; a slow device and one whose replies are lost time out
 * with a typed error, an offline one is answered at once; every call is recorded.
 */
class DeviceCloudEndToEndTest {
  private static final String CALL_FUNCTION =
      """
      mutation CallFunction($deviceId: ID!, $functionName: String!, $argument: String) { callFunction(deviceId: $deviceId, name: $functionName, argument: $argument) { returnValue connected calledAt } }""";
  private static final String READ_VARIABLE =
      """
      query ReadVariable($deviceId: ID!, $variableName: String!) { variable(deviceId: $deviceId, name: $variableName) { name result coreInfo { lastHeard connected } } }""";

  @TempDir static Path dataDir;
  private static DevServer server;

  @BeforeAll
  static void start() {
    server =
        DevServer.start(
            DevStackOptions.onFreePorts(dataDir),
            0,
            Map.of(
                "firmament.cloud.call-timeout",
                "2s",
                // A device here publishes more events at once than a device's allowance (4).
                "firmament.events.device-burst",
                "100"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static Map<String, Object> call(String device, String function, String argument) {
    Map<String, Object> variables = new HashMap<>();
    variables.put("deviceId", device);
    variables.put("functionName", function);
    variables.put("argument", argument);
    return variables;
  }

  @Test
  void functionsAndVariablesReachTheDevicesAndEveryCallIsRecorded() {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    List<SimulatedDeviceSpec> specs = Demo.fleetSpecs("calls", 3);
    Demo.Prepared prepared = demo.prepareProduct(api, specs);
    String mqtt = server.stack().endpoints().mqttUrl();
    FleetOptions options = Demo.fleetOptions(server, prepared.productId());
    FleetSimulator healthy =
        FleetSimulator.start(mqtt, List.of(prepared.devices().get(0)), options);
    FleetSimulator slow =
        FleetSimulator.start(
            mqtt,
            List.of(prepared.devices().get(1)),
            options.withCallFaults(new FleetOptions.CallFaults(1, Duration.ofSeconds(4), 0)));
    FleetSimulator lost =
        FleetSimulator.start(
            mqtt,
            List.of(prepared.devices().get(2)),
            options.withCallFaults(new FleetOptions.CallFaults(0, Duration.ZERO, 1)));
    DSLContext db = server.context().getBean(DSLContext.class);
    try (slow;
        lost) {
      // The workers record each device online, with what it declared, from its presence.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> db.fetchCount(DEVICES, DEVICES.ID.like("calls-%").and(DEVICES.ONLINE)) == 3);

      JsonNode answer = api.executeRaw(CALL_FUNCTION, call("calls-00000", "led", "on"));
      assertThat(answer.path("errors").isMissingNode()).as(answer.toString()).isTrue();
      JsonNode called = answer.path("data").path("callFunction");
      assertThat(called.path("returnValue").asInt()).isEqualTo(1);
      assertThat(called.path("connected").asBoolean()).isTrue();
      assertThat(called.path("calledAt").asText()).endsWith("Z");

      JsonNode read =
          api.execute(READ_VARIABLE, Map.of("deviceId", "calls-00000", "variableName", "ledOn"))
              .path("variable");
      assertThat(read.path("name").asText()).isEqualTo("ledOn");
      assertThat(read.path("result").isBoolean()).isTrue();
      assertThat(read.path("result").asBoolean()).isTrue();
      assertThat(read.path("coreInfo").path("connected").asBoolean()).isTrue();
      assertThat(read.path("coreInfo").path("lastHeard").asText()).isNotBlank();
      JsonNode version =
          api.execute(READ_VARIABLE, Map.of("deviceId", "calls-00000", "variableName", "version"))
              .path("variable");
      assertThat(version.path("result").asText()).isEqualTo(Demo.FROM_VERSION);
      JsonNode uptime =
          api.execute(READ_VARIABLE, Map.of("deviceId", "calls-00000", "variableName", "uptime"))
              .path("variable");
      assertThat(uptime.path("result").isInt()).as(uptime.toString()).isTrue();

      // The device refuses an argument; a name it never declared is not sent at all.
      assertThat(errorCode(api.executeRaw(CALL_FUNCTION, call("calls-00000", "led", "blue"))))
          .isEqualTo("INVALID_ARGUMENT");
      assertThat(
              errorCode(api.executeRaw(CALL_FUNCTION, call("calls-00000", "selfDestruct", null))))
          .isEqualTo("NOT_FOUND");
      assertThat(errorCode(api.executeRaw(CALL_FUNCTION, call("nobody", "led", "on"))))
          .isEqualTo("NOT_FOUND");

      // A pinhole probe: the device answers at once, whatever it declared.
      JsonNode probe =
          api.execute(
                  "mutation($d: ID!) { probeDevice(deviceId: $d) { connected roundTripMs } }",
                  Map.of("d", "calls-00000"))
              .path("probeDevice");
      assertThat(probe.path("connected").asBoolean()).isTrue();
      assertThat(probe.path("roundTripMs").asInt()).isBetween(0, 2_000);
      assertThat(
              errorCode(
                  api.executeRaw(
                      "mutation($d: ID!) { probeDevice(deviceId: $d) { connected roundTripMs } }",
                      Map.of("d", "calls-00002"))))
          .isEqualTo("DEADLINE_EXCEEDED");

      // A slow device and a lost reply: a typed timeout, the device still counted connected.
      for (String device : List.of("calls-00001", "calls-00002")) {
        JsonNode timedOut = api.executeRaw(CALL_FUNCTION, call(device, "led", "on"));
        assertThat(errorCode(timedOut)).as(device).isEqualTo("DEADLINE_EXCEEDED");
        assertThat(timedOut.path("data").path("callFunction").path("connected").asBoolean())
            .isTrue();
        assertThat(timedOut.path("data").path("callFunction").path("returnValue").isNull())
            .isTrue();
      }
    }

    // Offline: answered at once, nothing sent.
    healthy.close();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> db.fetchCount(DEVICES, DEVICES.ID.eq("calls-00000").and(DEVICES.ONLINE)) == 0);
    JsonNode offline = api.executeRaw(CALL_FUNCTION, call("calls-00000", "led", "off"));
    assertThat(errorCode(offline)).isEqualTo("DEVICE_OFFLINE");
    assertThat(offline.path("data").path("callFunction").path("connected").asBoolean()).isFalse();
    JsonNode offlineRead =
        api.executeRaw(READ_VARIABLE, Map.of("deviceId", "calls-00000", "variableName", "uptime"));
    assertThat(errorCode(offlineRead)).isEqualTo("DEVICE_OFFLINE");
    assertThat(
            offlineRead
                .path("data")
                .path("variable")
                .path("coreInfo")
                .path("connected")
                .asBoolean())
        .isFalse();

    // Every call that named a declared function or variable of a visible device is recorded.
    Map<String, Integer> outcomes = new HashMap<>();
    db.select(DEVICE_CALLS.OUTCOME)
        .from(DEVICE_CALLS)
        .fetch(DEVICE_CALLS.OUTCOME)
        .forEach(o -> outcomes.merge(o, 1, Integer::sum));
    assertThat(outcomes)
        .containsEntry("ok", 5)
        .containsEntry("refused", 1)
        .containsEntry("timeout", 3)
        .containsEntry("offline", 2);
    var first =
        db.selectFrom(DEVICE_CALLS)
            .where(DEVICE_CALLS.DEVICE_ID.eq("calls-00000"))
            .and(DEVICE_CALLS.KIND.eq("function"))
            .and(DEVICE_CALLS.OUTCOME.eq("ok"))
            .and(DEVICE_CALLS.NAME.eq("led"))
            .fetchSingle();
    assertThat(first.getName()).isEqualTo("led");
    assertThat(first.getArgumentBytes()).isEqualTo(2);
    assertThat(first.getReturnValue()).isEqualTo(1);
    assertThat(first.getActor()).isNotBlank();
    assertThat(first.getLatencyMs()).isNotNull().isBetween(0, 2_000);
    assertThat(
            db.select(DEVICE_CALLS.RESULT, DEVICE_CALLS.RESULT_TYPE)
                .from(DEVICE_CALLS)
                .where(DEVICE_CALLS.NAME.eq("ledOn"))
                .fetchSingle()
                .intoList())
        .containsExactly("true", "bool");
    assertThat(
            db.select(DEVICE_CALLS.ERROR_CODE)
                .from(DEVICE_CALLS)
                .where(DEVICE_CALLS.OUTCOME.eq("refused"))
                .fetchSingle(DEVICE_CALLS.ERROR_CODE))
        .isEqualTo("BAD_ARGUMENT");

    // Read back through the API, with a variable's value of its type.
    JsonNode history =
        api.execute(
                "query($id: ID!) { device(id: $id) { calls(size: 100) { total items { kind name"
                    + " outcome result resultType returnValue latencyMs } } } }",
                Map.of("id", "calls-00000"))
            .path("device")
            .path("calls");
    assertThat(history.path("total").asInt()).isEqualTo(8);
    JsonNode ledOn = null;
    for (JsonNode item : history.path("items")) {
      if (item.path("name").asText().equals("ledOn")) {
        ledOn = item;
      }
    }
    assertThat(ledOn).isNotNull();
    assertThat(ledOn.path("result").isBoolean()).isTrue();
    assertThat(ledOn.path("resultType").asText()).isEqualTo("bool");
    assertThat(ledOn.path("outcome").asText()).isEqualTo("OK");
  }

  @Test
  void eventsReachTheHistoryAndBothStreamsAndResumeAfterACursor() throws Exception {
    String markerCursor;
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("events", 2));
    String mqtt = server.stack().endpoints().mqttUrl();
    FleetSimulator fleet =
        FleetSimulator.start(
            mqtt, prepared.devices(), Demo.fleetOptions(server, prepared.productId()));
    DSLContext db = server.context().getBean(DSLContext.class);
    try (fleet) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> db.fetchCount(DEVICES, DEVICES.ID.like("events-%").and(DEVICES.ONLINE)) == 2);
      var publisher = fleet.agent("events-00000");

      // A marker event, published until a live subscriber hears it: its cursor is where the
      // checks below start from.
      String subscription =
          "subscription($filter: EventStreamFilter, $after: String) { events(filter: $filter,"
              + " after: $after) { cursor name data deviceId productId source scope ttl } }";
      java.util.concurrent.atomic.AtomicReference<String> marker =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread markerReader =
          Thread.ofVirtual()
              .start(
                  () ->
                      api.subscribe(
                          subscription,
                          Map.of("filter", Map.of("namePrefix", "marker")),
                          data -> {
                            marker.set(data.path("events").path("cursor").asText());
                            return false;
                          }));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(300))
          .until(
              () -> {
                publisher.publishEvent(DeviceEvent.of("marker", "")).join();
                return marker.get() != null;
              });
      markerReader.join(10_000);
      markerCursor = marker.get();

      for (int i = 0; i < 3; i++) {
        publisher.publishEvent(DeviceEvent.of("temperature", "2" + i + ".5")).join();
      }
      publisher.publishEvent(new DeviceEvent("door", "open", 3600, "product")).join();
      fleet.agent("events-00001").publishEvent(DeviceEvent.of("temperature", "30.0")).join();

      // The GraphQL subscription, resumed after the marker: the three temperatures of the first
      // device, in order, and not the door.
      List<JsonNode> resumed = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () ->
                      api.subscribe(
                          subscription,
                          Map.of(
                              "filter",
                              Map.of("namePrefix", "temp", "deviceId", "events-00000"),
                              "after",
                              marker.get()),
                          data -> {
                            resumed.add(data.path("events"));
                            return resumed.size() < 3;
                          }));
      reader.join(30_000);
      assertThat(resumed)
          .extracting(e -> e.path("data").asText())
          .containsExactly("20.5", "21.5", "22.5");
      JsonNode first = resumed.getFirst();
      assertThat(first.path("name").asText()).isEqualTo("temperature");
      assertThat(first.path("source").asText()).isEqualTo("DEVICE");
      assertThat(first.path("scope").asText()).isEqualTo("PRIVATE");
      assertThat(first.path("ttl").asInt()).isEqualTo(60);
      assertThat(first.path("productId").asText()).isEqualTo(prepared.productId());

      // The same from the Server-Sent Events endpoint, resumed with Last-Event-ID.
      List<String[]> sse = readSse("/api/v1/events?name=temp", marker.get(), 4);
      assertThat(sse).extracting(e -> e[0]).containsOnly("temperature");
      assertThat(sse.get(3)[2]).contains("\"data\":\"30.0\"", "\"deviceId\":\"events-00001\"");
      assertThat(sse.get(0)[1]).isEqualTo(resumed.get(0).path("cursor").asText());

      // The history, newest first, paged.
      JsonNode history =
          api.execute(
                  "query($f: EventFilter) { events(filter: $f, size: 2) { total hasMore items { id"
                      + " name data source deviceId } } }",
                  Map.of("f", Map.of("deviceId", "events-00000", "namePrefix", "temp")))
              .path("events");
      assertThat(history.path("total").asInt()).isEqualTo(3);
      assertThat(history.path("hasMore").asBoolean()).isTrue();
      assertThat(history.path("items"))
          .extracting(e -> e.path("data").asText())
          .containsExactly("22.5", "21.5");

      // Kept while offline, sent on reconnect: stored with the time the device published it.
      var other = fleet.agent("events-00001");
      other.dropConnection(Duration.ofSeconds(2));
      await().atMost(Duration.ofSeconds(10)).until(() -> !other.snapshot().connected());
      java.time.Instant keptAt = java.time.Instant.now();
      other.publishEvent(DeviceEvent.of("kept", "offline")).join();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  api.execute(
                              "query { events(filter: {namePrefix: \"kept\"}) { total } }",
                              Map.of())
                          .path("events")
                          .path("total")
                          .asInt()
                      == 1);
      JsonNode kept =
          api.execute(
                  "query { events(filter: {namePrefix: \"kept\"}) { items { backfilled"
                      + " publishedAt deviceId } } }",
                  Map.of())
              .path("events")
              .path("items")
              .get(0);
      assertThat(kept.path("backfilled").asBoolean()).isTrue();
      assertThat(kept.path("deviceId").asText()).isEqualTo("events-00001");
      java.time.Instant published = java.time.Instant.parse(kept.path("publishedAt").asText());
      assertThat(published).isBetween(keptAt.minusMillis(5), keptAt.plusSeconds(1));

      // A persistent subscription, read by its id.
      JsonNode created =
          api.execute(
                  "mutation($in: CreateEventSubscriptionInput!) { createEventSubscription(input:"
                      + " $in) { eventSubscription { id name streamUrl filter { namePrefix } } } }",
                  Map.of("in", Map.of("name", "doors", "filter", Map.of("namePrefix", "door"))))
              .path("createEventSubscription")
              .path("eventSubscription");
      assertThat(created.path("streamUrl").asText())
          .isEqualTo("/api/v1/events?subscription=" + created.path("id").asText());
      List<String[]> doors = readSse(created.path("streamUrl").asText(), marker.get(), 1);
      assertThat(doors.getFirst()[0]).isEqualTo("door");
      assertThat(doors.getFirst()[2]).contains("\"scope\":\"PRODUCT\"", "\"data\":\"open\"");
    }

    // The cloud's own: the device going offline, from the same stream, after the same cursor.
    List<JsonNode> cloud = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread cloudReader =
        Thread.ofVirtual()
            .start(
                () ->
                    api.subscribe(
                        "subscription($f: EventStreamFilter, $after: String) { events(filter: $f,"
                            + " after: $after) { name data source deviceId } }",
                        Map.of(
                            "f",
                            Map.of(
                                "namePrefix", "firmament/device/off", "deviceId", "events-00000"),
                            "after",
                            markerCursor),
                        data -> {
                          cloud.add(data.path("events"));
                          return false;
                        }));
    cloudReader.join(30_000);
    assertThat(cloud).hasSize(1);
    assertThat(cloud.getFirst().path("name").asText()).isEqualTo("firmament/device/offline");
    assertThat(cloud.getFirst().path("source").asText()).isEqualTo("CLOUD");
    assertThat(cloud.getFirst().path("data").asText()).contains("\"version\":\"1.0.0\"");
  }

  /** Reads {@code count} events of the SSE endpoint after a cursor: name, id and data of each. */
  private static List<String[]> readSse(String path, String lastEventId, int count)
      throws Exception {
    return SseReader.read(server.graphqlUrl(), server.ownerToken(), path, lastEventId, count);
  }

  private static final String SET_LEDGER =
      "mutation($input: SetLedgerInstanceInput!) { setLedgerInstance(input: $input) { instance {"
          + " version data } } }";

  private static JsonNode deviceLedger(GraphqlClient api, String device, String name) {
    for (JsonNode instance :
        api.execute(
                "query($id: ID!) { device(id: $id) { ledgers { ledgerName data version } } }",
                Map.of("id", device))
            .path("device")
            .path("ledgers")) {
      if (instance.path("ledgerName").asText().equals(name)) {
        return instance;
      }
    }
    return null;
  }

  private static JsonNode json(String text) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void ledgersSyncBothWaysAndOutliveARestartOfTheDevice() throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    for (String[] ledger :
        new String[][] {
          {"config", "ORGANIZATION", "CLOUD_TO_DEVICE"}, {"status", "DEVICE", "DEVICE_TO_CLOUD"}
        }) {
      api.execute(
          "mutation($input: CreateLedgerInput!) { createLedger(input: $input) { ledger { id } } }",
          Map.of("input", Map.of("name", ledger[0], "scope", ledger[1], "direction", ledger[2])));
    }
    Demo demo = new Demo(System.out);
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("ledger", 1));
    String device = "ledger-00000";
    api.execute(
        "mutation($i: CreateSIMInput!) { createSIM(input: $i) { sim { id } } }",
        Map.of(
            "i",
            Map.of(
                "iccid",
                EndToEndRolloutTest.iccid(4242),
                "imsi",
                "234150000004242",
                "carrier",
                "Acme Mobile",
                "monthlyCapBytes",
                1_000_000L,
                "overagePolicy",
                "ALLOW",
                "deviceId",
                device)));
    String mqtt = server.stack().endpoints().mqttUrl();
    // The device keeps its slots and ledgers in a state directory, as a real one keeps flash.
    FleetOptions options =
        Demo.fleetOptions(server, prepared.productId())
            .withSlotDirectory(dataDir.resolve("ledger-devices"));
    DSLContext db = server.context().getBean(DSLContext.class);

    long v1 =
        api.execute(
                SET_LEDGER,
                Map.of("input", Map.of("ledgerName", "config", "data", "{\"interval\": 15}")))
            .path("setLedgerInstance")
            .path("instance")
            .path("version")
            .asLong();
    FleetSimulator fleet = FleetSimulator.start(mqtt, prepared.devices(), options);
    DeviceAgent agent = fleet.agent(device);
    try {
      // The cloud's copy, written before the device connected, reaches it with its sync, and
      // sets its reporting interval.
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.ledgerVersion("config") == v1);
      assertThat(agent.ledger("config").orElseThrow()).isEqualTo(json("{\"interval\":15}"));
      assertThat(agent.reportingInterval().get(5, TimeUnit.SECONDS)).isEqualTo(15);

      // A write through the API while it is online is pushed to it.
      long v2 =
          api.execute(
                  SET_LEDGER,
                  Map.of(
                      "input",
                      Map.of(
                          "ledgerName",
                          "config",
                          "data",
                          "{\"interval\": 25}",
                          "expectedVersion",
                          v1)))
              .path("setLedgerInstance")
              .path("instance")
              .path("version")
              .asLong();
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.ledgerVersion("config") == v2);
      assertThat(agent.reportingInterval().get(5, TimeUnit.SECONDS)).isEqualTo(25);

      // A writer that read v1 is refused, and the device keeps v2.
      JsonNode stale =
          api.executeRaw(
              SET_LEDGER,
              Map.of(
                  "input",
                  Map.of(
                      "ledgerName", "config", "data", "{\"interval\": 1}", "expectedVersion", v1)));
      assertThat(errorCode(stale)).isEqualTo("CONFLICT");

      // The device's own status, written at boot, reaches the cloud.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> deviceLedger(api, device, "status") != null);
      assertThat(
              json(deviceLedger(api, device, "status").path("data").asText())
                  .path("bootCount")
                  .asInt())
          .isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> agent.pendingLedgerWrites().get() == 0);

      // A write made while offline is kept and sent on reconnect.
      agent.dropConnection(Duration.ofSeconds(3));
      await().atMost(Duration.ofSeconds(10)).until(() -> !agent.snapshot().connected());
      var offlineWrite =
          dev.firmament.protocol.LedgerDocuments.parse(
              "data", "{\"bootCount\": 1, \"note\": \"offline\"}");
      long written = agent.writeLedger("status", offlineWrite).get(5, TimeUnit.SECONDS);
      assertThat(agent.pendingLedgerWrites().get(5, TimeUnit.SECONDS)).isEqualTo(1);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                JsonNode status = deviceLedger(api, device, "status");
                return status != null && status.path("version").asLong() == written;
              });
      assertThat(
              json(deviceLedger(api, device, "status").path("data").asText()).path("note").asText())
          .isEqualTo("offline");
    } finally {
      fleet.close();
    }

    // Offline, the device misses a change; restarted from its state directory it still holds v2,
    // counts a second boot, and catches up with its sync.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> db.fetchCount(DEVICES, DEVICES.ID.eq(device).and(DEVICES.ONLINE)) == 0);
    long v3 =
        api.execute(
                SET_LEDGER,
                Map.of("input", Map.of("ledgerName", "config", "data", "{\"interval\": 40}")))
            .path("setLedgerInstance")
            .path("instance")
            .path("version")
            .asLong();
    assertThat(
            java.nio.file.Files.readString(
                dataDir
                    .resolve("ledger-devices")
                    .resolve(device)
                    .resolve("ledgers")
                    .resolve("ledger-config.json")))
        .contains("\"interval\":25");
    FleetSimulator restarted = FleetSimulator.start(mqtt, prepared.devices(), options);
    try (restarted) {
      DeviceAgent again = restarted.agent(device);
      await().atMost(Duration.ofSeconds(30)).until(() -> again.ledgerVersion("config") == v3);
      assertThat(again.reportingInterval().get(5, TimeUnit.SECONDS)).isEqualTo(40);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  json(deviceLedger(api, device, "status").path("data").asText())
                          .path("bootCount")
                          .asInt()
                      == 2);
    }

    // Ledger sync is data usage: its messages' bytes are in the device's SIM, and each copy
    // pushed (v1, v2, v3) and each write the device sent (two boots, the offline note) is a data
    // operation of the product's day.
    server.context().getBean(dev.firmament.workers.usage.UsageFlush.class).flush();
    assertThat(
            api.execute(
                    "query($d: ID!) { device(id: $d) { sim { usage { ledgerBytes } } } }",
                    Map.of("d", device))
                .path("device")
                .path("sim")
                .path("usage")
                .path("ledgerBytes")
                .asLong())
        .isGreaterThan(6 * 20);
    assertThat(
            api.execute(
                    "query($p: ID!) { login { usageRecords(filter: {productId: $p}) { items {"
                        + " ledgerSyncs dataOperations } } } }",
                    Map.of("p", prepared.productId()))
                .path("login")
                .path("usageRecords")
                .path("items")
                .path(0)
                .path("ledgerSyncs")
                .asLong())
        .isGreaterThanOrEqualTo(6);
  }

  private static String errorCode(JsonNode answer) {
    return answer.path("errors").path(0).path("extensions").path("code").asText("none");
  }
}
