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
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.protocol.DeviceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev stack keeps PostgreSQL's data across a restart, but the embedded Temporal forgets its
 * workflows: a rollout left running must come back INTERRUPTED, not dangling.
 */
class DevServerRestartTest {
  @TempDir Path dataDir;

  @Test
  void workTemporalForgotIsInterruptedOrResumedOnRestart() {
    UUID jobId = UUID.randomUUID();
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
      DSLContext db = server.context().getBean(DSLContext.class);
      UUID org = db.select(ORGANIZATIONS.ID).from(ORGANIZATIONS).fetchAny(ORGANIZATIONS.ID);
      UUID product = UUID.randomUUID();
      UUID firmware = UUID.randomUUID();
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
          .set(PRODUCT_FIRMWARE.ID, firmware)
          .set(PRODUCT_FIRMWARE.ORGANIZATION_ID, org)
          .set(PRODUCT_FIRMWARE.PRODUCT_ID, product)
          .set(PRODUCT_FIRMWARE.VERSION, "2.0")
          .set(PRODUCT_FIRMWARE.SHA256, "cd".repeat(32))
          .set(PRODUCT_FIRMWARE.SIZE_BYTES, 10L)
          .set(PRODUCT_FIRMWARE.STORAGE_KEY, "full/" + "cd".repeat(32))
          // Its delta build was under way when the process stopped.
          .set(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS, "PENDING")
          .execute();
      // A job as a crashed process leaves it: running, one device in the middle of its update.
      db.insertInto(OTA_JOBS)
          .set(OTA_JOBS.ID, jobId)
          .set(OTA_JOBS.ORGANIZATION_ID, org)
          .set(OTA_JOBS.PRODUCT_ID, product)
          .set(OTA_JOBS.FIRMWARE_ID, firmware)
          .set(OTA_JOBS.TARGET_VERSION, "2.0")
          .set(OTA_JOBS.TARGET_KIND, "PRODUCT")
          .set(OTA_JOBS.STATUS, "RUNNING")
          .set(OTA_JOBS.MAX_IN_FLIGHT, 1)
          .set(OTA_JOBS.WORKFLOW_ID, "rollout/" + jobId)
          .execute();
      db.insertInto(OTA_RESULTS)
          .set(OTA_RESULTS.ORGANIZATION_ID, org)
          .set(OTA_RESULTS.JOB_ID, jobId)
          .set(OTA_RESULTS.DEVICE_ID, "restart-1")
          .set(OTA_RESULTS.STATE, "DOWNLOADING")
          .execute();
    }

    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
      DSLContext db = server.context().getBean(DSLContext.class);
      assertThat(db.fetchValue(OTA_JOBS.STATUS, OTA_JOBS.ID.eq(jobId))).isEqualTo("INTERRUPTED");
      assertThat(db.fetchValue(OTA_RESULTS.STATE, OTA_RESULTS.JOB_ID.eq(jobId)))
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
                          PRODUCT_FIRMWARE.DELTA_BUILD_STATUS, PRODUCT_FIRMWARE.VERSION.eq("2.0")),
                  settled -> !"PENDING".equals(settled));
      assertThat(status).isEqualTo("DONE");
    }
  }

  @Test
  void storedEventsAndTheirCursorsSurviveARestartOfTheApi() throws Exception {
    String cursor;
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
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
        // Within the device's rate (one a second, four at once) after the markers it sent.
        Thread.sleep(4_000);
        for (int i = 1; i <= 3; i++) {
          device.publishEvent(DeviceEvent.of("kept", Integer.toString(i))).join();
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> keptEvents(api).path("total").asInt() == 3);
      }
    }

    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      JsonNode history = keptEvents(api);
      assertThat(history.path("total").asInt()).isEqualTo(3);
      assertThat(history.path("items").findValuesAsText("data")).containsExactly("3", "2", "1");
      // A client that read up to its cursor before the restart resumes after it.
      List<String[]> resumed =
          SseReader.read(
              server.graphqlUrl(), server.ownerToken(), "/api/v1/events?name=kept", cursor, 3);
      assertThat(resumed).extracting(e -> e[0]).containsOnly("kept");
      assertThat(resumed.get(0)[2]).contains("\"data\":\"1\"");
      assertThat(resumed.get(2)[2]).contains("\"data\":\"3\"");
    }
  }

  private static JsonNode keptEvents(GraphqlClient api) {
    return api.execute(
            "query { events(filter: {namePrefix: \"kept\"}, size: 100) { total items { data } } }",
            Map.of())
        .path("events");
  }
}
