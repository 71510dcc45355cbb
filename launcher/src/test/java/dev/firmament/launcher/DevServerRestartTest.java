package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.DeviceAgent;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.protocol.DeviceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev stack keeps PostgreSQL's data across a restart, but the embedded Temporal forgets its
 * workflows: a rollout left running must come back INTERRUPTED, not dangling, and the events stored
 * before the restart, with their cursors, are still there after it.
 *
 * <p>A restart of the dev server costs most of this class's time, so both tests share one: the
 * first server leaves what each test checks (a crashed rollout's rows, and stored events with a
 * cursor a client read up to), and the tests check it on the restarted server.
 */
class DevServerRestartTest {
  @TempDir static Path dataDir;

  /** The running rollout the first server leaves behind, as a crashed process leaves it. */
  private static final UUID JOB_ID = UUID.randomUUID();

  /** The firmware whose delta build was under way when the first server stopped. */
  private static final UUID FIRMWARE_ID = UUID.randomUUID();

  /** The cursor of the marker event, read from the first server's stream. */
  private static String cursor;

  /** The server after the restart, which both tests check. */
  private static DevServer restarted;

  /** Threads the first server started that outlived its close and would keep a process alive. */
  private static List<String> leftRunning;

  @BeforeAll
  static void leaveWorkAndEventsThenRestart() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    // A device here publishes more events at once than a device's allowance (4).
    try (DevServer server =
        DevServer.start(
            DevStackOptions.onFreePorts(dataDir),
            0,
            Map.of("firmament.events.device-burst", "100"))) {
      storeEventsAndReadACursor(server);
      leaveARunningRollout(server);
    }
    leftRunning = nonDaemonThreadsSince(before);
    restarted = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of());
  }

  /**
   * The non-daemon threads alive now that were not in {@code before}, once the ones still ending
   * have had ten seconds to end.
   */
  private static List<String> nonDaemonThreadsSince(Set<Thread> before)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<String> alive =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon())
              .map(Thread::getName)
              .sorted()
              .toList();
      if (alive.isEmpty() || System.nanoTime() > deadline) {
        return alive;
      }
      Thread.sleep(200);
    }
  }

  /**
   * A stopped server leaves no thread of its own running: {@code firmament server} and the
   * benchmarks' servers end when they are told to, instead of being held up by a reporting or HTTP
   * thread (once the Temporal SDK's metrics reporter and the S3 client's dispatcher).
   */
  @Test
  void aStoppedServerLeavesNoThreadOfItsOwnRunning() {
    assertThat(leftRunning).isEmpty();
  }

  @AfterAll
  static void stop() {
    if (restarted != null) {
      restarted.close();
    }
  }

  /**
   * A device's marker event, whose cursor a reader learns, then three events "kept" 1 to 3 after
   * it, all stored.
   */
  private static void storeEventsAndReadACursor(DevServer server) throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("keep", 1));
    try (FleetSimulator fleet =
        FleetSimulator.start(
            server.stack().endpoints().mqttUrl(),
            prepared.devices(),
            Demo.fleetOptions(server, prepared.productId()))) {
      demo.awaitFleetReported(api, 1);
      DeviceAgent device = fleet.agent("keep-00000");
      // A reader from now on learns a marker's cursor, as a client that read up to there would.
      var marker =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return SseReader.read(
                      server.graphqlUrl(),
                      server.ownerToken(),
                      "/api/v1/events?name=marker",
                      null,
                      1);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                device.publishEvent(DeviceEvent.of("marker", "")).join();
                return marker.isDone();
              });
      cursor = marker.get().getFirst()[1];
      for (int i = 1; i <= 3; i++) {
        device.publishEvent(DeviceEvent.of("kept", Integer.toString(i))).join();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> keptEvents(api).path("total").asInt() == 3);
    }
  }

  /**
   * A job as a crashed process leaves it: running, one device in the middle of its update, and its
   * firmware's delta build under way.
   */
  private static void leaveARunningRollout(DevServer server) {
    DSLContext db = server.context().getBean(DSLContext.class);
    UUID org = db.select(ORGANIZATIONS.ID).from(ORGANIZATIONS).fetchAny(ORGANIZATIONS.ID);
    UUID product = UUID.randomUUID();
    db.insertInto(PRODUCTS)
        .set(PRODUCTS.ID, product)
        .set(PRODUCTS.ORGANIZATION_ID, org)
        .set(PRODUCTS.SLUG, "restart")
        .set(PRODUCTS.NAME, "Restart")
        .execute();
    db.insertInto(DEVICES)
        .set(DEVICES.ID, "restart-1")
        .set(DEVICES.ORGANIZATION_ID, org)
        .set(DEVICES.PRODUCT_ID, product)
        .set(DEVICES.NAME, "r1")
        .execute();
    db.insertInto(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.ID, FIRMWARE_ID)
        .set(PRODUCT_FIRMWARE.ORGANIZATION_ID, org)
        .set(PRODUCT_FIRMWARE.PRODUCT_ID, product)
        .set(PRODUCT_FIRMWARE.VERSION, "2.0")
        .set(PRODUCT_FIRMWARE.SHA256, "cd".repeat(32))
        .set(PRODUCT_FIRMWARE.SIZE_BYTES, 10L)
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, "full/" + "cd".repeat(32))
        // Its delta build was under way when the process stopped.
        .set(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS, "PENDING")
        .execute();
    db.insertInto(OTA_JOBS)
        .set(OTA_JOBS.ID, JOB_ID)
        .set(OTA_JOBS.ORGANIZATION_ID, org)
        .set(OTA_JOBS.PRODUCT_ID, product)
        .set(OTA_JOBS.FIRMWARE_ID, FIRMWARE_ID)
        .set(OTA_JOBS.TARGET_VERSION, "2.0")
        .set(OTA_JOBS.TARGET_KIND, "PRODUCT")
        .set(OTA_JOBS.STATUS, "RUNNING")
        .set(OTA_JOBS.MAX_IN_FLIGHT, 1)
        .set(OTA_JOBS.WORKFLOW_ID, "rollout/" + JOB_ID)
        .execute();
    db.insertInto(OTA_RESULTS)
        .set(OTA_RESULTS.ORGANIZATION_ID, org)
        .set(OTA_RESULTS.JOB_ID, JOB_ID)
        .set(OTA_RESULTS.DEVICE_ID, "restart-1")
        .set(OTA_RESULTS.STATE, "DOWNLOADING")
        .execute();
  }

  @Test
  void workTemporalForgotIsInterruptedOrResumedOnRestart() {
    DSLContext db = restarted.context().getBean(DSLContext.class);
    assertThat(db.fetchValue(OTA_JOBS.STATUS, OTA_JOBS.ID.eq(JOB_ID))).isEqualTo("INTERRUPTED");
    assertThat(db.fetchValue(OTA_RESULTS.STATE, OTA_RESULTS.JOB_ID.eq(JOB_ID)))
        .isEqualTo("CANCELED");
    assertThat(db.fetchCount(PRODUCTS, PRODUCTS.SLUG.eq("restart"))).isEqualTo(1);
    // The lost delta build is asked for again and settles (no other version: nothing to build).
    String status =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    db.fetchValue(
                        PRODUCT_FIRMWARE.DELTA_BUILD_STATUS, PRODUCT_FIRMWARE.ID.eq(FIRMWARE_ID)),
                settled -> !"PENDING".equals(settled));
    assertThat(status).isEqualTo("DONE");
  }

  @Test
  void storedEventsAndTheirCursorsSurviveARestartOfTheApi() throws Exception {
    GraphqlClient api = new GraphqlClient(restarted.graphqlUrl(), restarted.ownerToken());
    JsonNode history = keptEvents(api);
    assertThat(history.path("total").asInt()).isEqualTo(3);
    assertThat(history.path("items").findValuesAsText("data")).containsExactly("3", "2", "1");
    // A client that read up to its cursor before the restart resumes after it.
    List<String[]> resumed =
        SseReader.read(
            restarted.graphqlUrl(), restarted.ownerToken(), "/api/v1/events?name=kept", cursor, 3);
    assertThat(resumed).extracting(e -> e[0]).containsOnly("kept");
    assertThat(resumed.get(0)[2]).contains("\"data\":\"1\"");
    assertThat(resumed.get(2)[2]).contains("\"data\":\"3\"");
  }

  private static JsonNode keptEvents(GraphqlClient api) {
    return api.execute(
            "query { events(filter: {namePrefix: \"kept\"}, size: 100) { total items { data } } }",
            Map.of())
        .path("events");
  }
}
