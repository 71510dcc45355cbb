package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operators watch a real rollout live, over both transports the API offers: graphql-ws and
 * Server-Sent Events. The events come from the database's change feed (the workers commit them; the
 * API reads them after a notification), so what the subscribers receive is compared with what
 * PostgreSQL recorded: every OTA result transition, in order, none twice and none missing, also for
 * a subscriber whose connection dropped halfway and that resumed from its last cursor.
 */
class LiveSubscriptionsEndToEndTest {
  private static final int FLEET_SIZE = 20;
  private static final String RESULTS =
      """
      subscription Results($product: ID!, $after: String) {
        otaResultChanges(filter: {productId: $product}, after: $after) {
          cursor jobId deviceId state attempt phase at
        }
      }""";

  @TempDir static Path dataDir;
  private static DevServer server;

  @BeforeAll
  static void start() {
    server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + server.port();
  }

  @Test
  void operatorsWatchARealRolloutLiveAndAResumedSubscriberMissesNothing() throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    List<SimulatedDeviceSpec> specs = Demo.fleetSpecs("live", FLEET_SIZE);
    Demo.Prepared prepared = demo.prepareProduct(api, specs);
    String productId = prepared.productId();

    // Server-Sent Events, connected throughout.
    List<JsonNode> sse = new CopyOnWriteArrayList<>();
    Thread sseReader =
        Thread.ofPlatform()
            .daemon()
            .start(
                () ->
                    api.subscribe(
                        RESULTS,
                        Map.of("product", productId),
                        data -> sse.add(data.path("otaResultChanges"))));
    // graphql-ws: one subscriber that loses its connection halfway, one for version changes.
    GraphqlWsClient first = GraphqlWsClient.connect(base(), server.ownerToken());
    first.subscribe(RESULTS, Map.of("product", productId));
    GraphqlWsClient versions = GraphqlWsClient.connect(base(), server.ownerToken());
    versions.subscribe(
        """
        subscription V($product: ID!) {
          deviceChanges(filter: {productId: $product, kinds: [VERSION]}) {
            cursor kind deviceId productId firmwareVersion previousVersion
          }
        }""",
        Map.of("product", productId));
    AtomicReference<GraphqlWsClient> resumed = new AtomicReference<>();
    AtomicReference<GraphqlWsClient> progress = new AtomicReference<>();
    List<JsonNode> beforeDrop = new ArrayList<>();
    Thread operator =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try {
                    await().atMost(Duration.ofMinutes(2)).until(() -> !first.results().isEmpty());
                    String jobId =
                        first.results().getFirst().path("otaResultChanges").path("jobId").asText();
                    GraphqlWsClient watcher = GraphqlWsClient.connect(base(), server.ownerToken());
                    watcher.subscribe(
                        """
                        subscription P($id: ID!) {
                          rolloutProgress(id: $id, intervalMs: 200) {
                            status finishedPerSecond at
                            job { id totalDevices }
                            progress { succeeded failed inProgress queued }
                            progressByStage { stage progress { succeeded inProgress queued } }
                            stages { index status succeeded }
                          }
                        }""",
                        Map.of("id", jobId));
                    progress.set(watcher);
                    await()
                        .atMost(Duration.ofMinutes(2))
                        .until(() -> first.results().size() >= 2 * FLEET_SIZE);
                    first.drop();
                    beforeDrop.addAll(first.results());
                    String last =
                        beforeDrop.getLast().path("otaResultChanges").path("cursor").asText();
                    Thread.sleep(500);
                    GraphqlWsClient again = GraphqlWsClient.connect(base(), server.ownerToken());
                    again.subscribe(RESULTS, Map.of("product", productId, "after", last));
                    resumed.set(again);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });

    Demo.Summary summary;
    try (FleetSimulator fleet =
        FleetSimulator.start(
            server.stack().endpoints().mqttUrl(),
            prepared.devices(),
            Demo.fleetOptions(server, productId))) {
      // The demo itself watches through rolloutProgress over Server-Sent Events.
      summary =
          demo.runScenario(
              api,
              productId,
              fleet,
              new Demo.Options(FLEET_SIZE, 0, false, dataDir, 5, true, true));
    }
    assertThat(summary.status()).isEqualTo("SUCCEEDED");
    assertThat(summary.succeeded()).isEqualTo(FLEET_SIZE);
    operator.join(Duration.ofMinutes(1));

    DSLContext db = server.context().getBean(DSLContext.class);
    List<String> recorded =
        db.select(OTA_RESULT_HISTORY.DEVICE_ID, OTA_RESULT_HISTORY.STATE)
            .from(OTA_RESULT_HISTORY)
            .where(OTA_RESULT_HISTORY.JOB_ID.eq(UUID.fromString(summary.jobId())))
            .orderBy(OTA_RESULT_HISTORY.ID)
            .fetch(r -> r.value1() + " " + r.value2());
    assertThat(recorded).hasSize(7 * FLEET_SIZE);
    await().atMost(Duration.ofSeconds(30)).until(() -> sse.size() >= recorded.size());
    GraphqlWsClient again = resumed.get();
    assertThat(again).as("the resumed subscriber").isNotNull();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> beforeDrop.size() + again.results().size() >= recorded.size());

    // Server-Sent Events: every transition once, each device's in the order recorded.
    List<String> overSse = describe(sse);
    assertThat(overSse).hasSize(recorded.size()).containsExactlyInAnyOrderElementsOf(recorded);
    assertThat(byDevice(overSse)).isEqualTo(byDevice(recorded));
    assertThat(sse).allMatch(e -> e.path("jobId").asText().equals(summary.jobId()));
    // graphql-ws, dropped and resumed: the two halves are exactly what the other transport saw.
    List<JsonNode> ws = new ArrayList<>();
    beforeDrop.forEach(d -> ws.add(d.path("otaResultChanges")));
    again.results().forEach(d -> ws.add(d.path("otaResultChanges")));
    assertThat(ws.stream().map(e -> e.path("cursor").asText()).toList())
        .isEqualTo(sse.stream().map(e -> e.path("cursor").asText()).toList());
    assertThat(beforeDrop).hasSizeGreaterThanOrEqualTo(2 * FLEET_SIZE);
    assertThat(again.results()).isNotEmpty();

    // Every device's version change: first what it reported when it connected (registered without
    // one), then from that version to the rollout's, once each.
    await().atMost(Duration.ofSeconds(30)).until(() -> updated(versions).size() >= FLEET_SIZE);
    assertThat(versions.results())
        .extracting(d -> d.path("deviceChanges"))
        .allMatch(
            c ->
                c.path("kind").asText().equals("VERSION")
                    && c.path("productId").asText().equals(productId));
    assertThat(updated(versions))
        .allMatch(c -> c.path("previousVersion").asText().equals(Demo.FROM_VERSION))
        .extracting(c -> c.path("deviceId").asText())
        .containsExactlyInAnyOrderElementsOf(specs.stream().map(s -> s.deviceId()).toList());

    // Progress: pushed while it ran, the last event the final state, then the stream completed.
    GraphqlWsClient watcher = progress.get();
    assertThat(watcher.end(Duration.ofSeconds(30)).path("type").asText()).isEqualTo("complete");
    List<JsonNode> updates = watcher.results();
    assertThat(updates).hasSizeGreaterThanOrEqualTo(2);
    JsonNode finalState = updates.getLast().path("rolloutProgress");
    assertThat(finalState.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(finalState.path("progress").path("succeeded").asInt()).isEqualTo(FLEET_SIZE);
    assertThat(finalState.path("job").path("totalDevices").asInt()).isEqualTo(FLEET_SIZE);
    assertThat(finalState.path("stages").path(0).path("succeeded").asInt()).isEqualTo(FLEET_SIZE);
    List<Integer> succeeded =
        updates.stream()
            .map(u -> u.path("rolloutProgress").path("progress").path("succeeded").asInt())
            .toList();
    assertThat(succeeded).isSorted();
    // Per stage, live from the results: while it ran, each event's stages add up to its counts.
    for (JsonNode update : updates) {
      JsonNode event = update.path("rolloutProgress");
      int staged = 0;
      for (JsonNode stage : event.path("progressByStage")) {
        staged += stage.path("progress").path("succeeded").asInt();
      }
      assertThat(staged).isEqualTo(event.path("progress").path("succeeded").asInt());
    }
    assertThat(finalState.path("progressByStage").path(0).path("stage").asInt()).isZero();
    assertThat(
            finalState.path("progressByStage").path(0).path("progress").path("succeeded").asInt())
        .isEqualTo(FLEET_SIZE);

    for (GraphqlWsClient client : List.of(first, versions, again, watcher)) {
      client.close();
    }
    sseReader.interrupt();
  }

  @Test
  void badSubscriptionsGetTypedErrorsOverBothTransports() throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Map<String, String> refused = new LinkedHashMap<>();
    refused.put(
        "subscription { rolloutProgress(id: \"" + UUID.randomUUID() + "\") { status } }",
        "NOT_FOUND");
    refused.put(
        "subscription { rolloutProgress(id: \""
            + UUID.randomUUID()
            + "\", intervalMs: 5) { status } }",
        "INVALID_ARGUMENT");
    refused.put(
        "subscription { otaResultChanges(after: \"yesterday\") { cursor } }", "INVALID_ARGUMENT");
    refused.put(
        "subscription { otaResultChanges(filter: {states: [\"NOPE\"]}) { cursor } }",
        "INVALID_ARGUMENT");
    refused.put(
        "subscription { deviceChanges(filter: {deviceId: \"no-such-device\"}) { cursor } }",
        "NOT_FOUND");
    for (Map.Entry<String, String> call : refused.entrySet()) {
      assertThatThrownBy(() -> api.subscribe(call.getKey(), Map.of(), data -> true))
          .as(call.getKey())
          .isInstanceOfSatisfying(
              GraphqlClient.GraphqlException.class,
              e -> assertThat(e.code()).isEqualTo(call.getValue()));
      try (GraphqlWsClient ws = GraphqlWsClient.connect(base(), server.ownerToken())) {
        ws.subscribe(call.getKey(), Map.of());
        JsonNode end = ws.end(Duration.ofSeconds(10));
        assertThat(end.path("type").asText()).as(call.getKey()).isEqualTo("error");
        assertThat(end.path("payload").path(0).path("extensions").path("code").asText())
            .as(call.getKey())
            .isEqualTo(call.getValue());
      }
    }

    // Without a credential: over SSE the request is refused before GraphQL; over graphql-ws the
    // connection is accepted (browsers cannot send headers on the upgrade) but the field is not.
    GraphqlClient anonymous = new GraphqlClient(server.graphqlUrl(), null);
    String any = "subscription { otaResultChanges { cursor } }";
    assertThatThrownBy(() -> anonymous.subscribe(any, Map.of(), data -> true))
        .isInstanceOfSatisfying(
            GraphqlClient.GraphqlException.class,
            e -> assertThat(e.code()).isEqualTo("UNAUTHENTICATED"));
    try (GraphqlWsClient ws = GraphqlWsClient.connect(base(), null)) {
      ws.subscribe(any, Map.of());
      JsonNode end = ws.end(Duration.ofSeconds(10));
      assertThat(end.path("type").asText()).isEqualTo("error");
      assertThat(end.path("payload").path(0).path("extensions").path("code").asText())
          .isEqualTo("UNAUTHENTICATED");
    }
    // A token that is not one: the connection is not acknowledged.
    assertThatThrownBy(() -> GraphqlWsClient.connect(base(), "fmt_not-a-real-token"))
        .isInstanceOf(Exception.class);
  }

  /** The version changes to the rollout's version. */
  private static List<JsonNode> updated(GraphqlWsClient versions) {
    return versions.results().stream()
        .map(d -> d.path("deviceChanges"))
        .filter(c -> c.path("firmwareVersion").asText().equals(Demo.TO_VERSION))
        .toList();
  }

  private static List<String> describe(List<JsonNode> events) {
    return events.stream()
        .map(e -> e.path("deviceId").asText() + " " + e.path("state").asText())
        .toList();
  }

  private static Map<String, List<String>> byDevice(List<String> transitions) {
    Map<String, List<String>> result = new java.util.TreeMap<>();
    for (String t : transitions) {
      String[] parts = t.split(" ");
      result.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[1]);
    }
    return result;
  }
}
