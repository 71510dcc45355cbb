package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.devstack.DevStackOptions;
import java.nio.file.Path;
import java.time.Duration;
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
}
