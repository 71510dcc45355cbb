package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CONNECTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static dev.firmament.sql.generated.Tables.DIAGNOSTIC_EVENTS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.HealthReport;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health gate's numbers from what devices reported: abnormal resets, reconnections and a named
 * diagnostic since each updated device's update, against the rollout's devices not yet updated
 * since the stage's first update; what came before does not count.
 */
class HealthSignalsTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static final OffsetDateTime UPDATED = OffsetDateTime.parse("2026-12-05T10:00:00Z");

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  private UUID org;
  private OtaJobsRecord job;

  private void job() {
    UUID[] orgAndProduct = database.organizationWithProduct();
    org = orgAndProduct[0];
    UUID firmware = database.firmware(org, orgAndProduct[1], "2.0.0", 100);
    UUID id = database.job(org, orgAndProduct[1], firmware, "2.0.0", 4);
    job = dsl.selectFrom(OTA_JOBS).where(OTA_JOBS.ID.eq(id)).fetchSingle();
  }

  private String device(String version) {
    String id = "hs-" + UUID.randomUUID().toString().substring(0, 8);
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, id)
        .set(DEVICES.ORGANIZATION_ID, org)
        .set(DEVICES.PRODUCT_ID, job.getProductId())
        .set(DEVICES.NAME, id)
        .set(DEVICES.FIRMWARE_VERSION, version)
        .execute();
    return id;
  }

  private String updatedDevice(int stage) {
    String id = device("2.0.0");
    dsl.insertInto(OTA_RESULTS)
        .set(OTA_RESULTS.ORGANIZATION_ID, org)
        .set(OTA_RESULTS.JOB_ID, job.getId())
        .set(OTA_RESULTS.DEVICE_ID, id)
        .set(OTA_RESULTS.STATE, "SUCCEEDED")
        .set(OTA_RESULTS.STAGE, stage)
        .set(OTA_RESULTS.UPDATED_AT, UPDATED)
        .execute();
    return id;
  }

  private void reset(String device, OffsetDateTime at, String severity) {
    dsl.insertInto(DIAGNOSTIC_EVENTS)
        .set(DIAGNOSTIC_EVENTS.ORGANIZATION_ID, org)
        .set(DIAGNOSTIC_EVENTS.DEVICE_ID, device)
        .set(DIAGNOSTIC_EVENTS.OCCURRED_AT, at)
        .set(DIAGNOSTIC_EVENTS.KIND, "RESET")
        .set(DIAGNOSTIC_EVENTS.SEVERITY, severity)
        .set(DIAGNOSTIC_EVENTS.DETAIL, "reset")
        .execute();
  }

  private void reconnection(String device, OffsetDateTime at) {
    dsl.insertInto(DEVICE_CONNECTIONS)
        .set(DEVICE_CONNECTIONS.ORGANIZATION_ID, org)
        .set(DEVICE_CONNECTIONS.DEVICE_ID, device)
        .set(DEVICE_CONNECTIONS.CONNECTED_AT, at)
        .set(DEVICE_CONNECTIONS.PREVIOUS_DISCONNECT, at.minusSeconds(5))
        .execute();
  }

  private void vitals(String device, OffsetDateTime at, String diagnostics) {
    dsl.insertInto(DEVICE_VITALS)
        .set(DEVICE_VITALS.ORGANIZATION_ID, org)
        .set(DEVICE_VITALS.DEVICE_ID, device)
        .set(DEVICE_VITALS.MEASURED_AT, at)
        .set(DEVICE_VITALS.UPTIME_SECONDS, 1L)
        .set(DEVICE_VITALS.DIAGNOSTICS, diagnostics)
        .execute();
  }

  private HealthReport report(HealthPlan plan) {
    return new HealthSignals(dsl, new JobTargets(dsl, null)).report(job, 0, plan);
  }

  @Test
  void abnormalResetsSinceTheUpdateCountAgainstTheDevicesNotYetUpdated() {
    job();
    String looping = updatedDevice(0);
    String fine = updatedDevice(0);
    String crashedBefore = updatedDevice(0);
    String otherStage = updatedDevice(1);
    String notYet = device("1.0.0");
    String notYetCrashing = device("1.0.0");
    for (int i = 1; i <= 3; i++) {
      reset(looping, UPDATED.plusMinutes(i), "WARNING");
      reset(otherStage, UPDATED.plusMinutes(i), "WARNING");
    }
    // Resets someone asked for, and those before the update, do not count.
    reset(fine, UPDATED.plusMinutes(1), "INFO");
    reset(fine, UPDATED.plusMinutes(2), "INFO");
    reset(crashedBefore, UPDATED.minusMinutes(1), "WARNING");
    reset(crashedBefore, UPDATED.minusMinutes(2), "WARNING");
    reset(notYetCrashing, UPDATED.plusMinutes(1), "WARNING");
    reset(notYetCrashing, UPDATED.plusMinutes(2), "WARNING");
    reset(notYet, UPDATED.minusMinutes(5), "WARNING");

    HealthReport report = report(new HealthPlan(2, 0, null, 0, 0.1, 1, Duration.ofSeconds(30)));

    assertThat(report.updated()).isEqualTo(3);
    assertThat(report.updatedUnhealthy()).isEqualTo(1);
    assertThat(report.control()).isEqualTo(2);
    assertThat(report.controlUnhealthy()).isEqualTo(1);
    assertThat(report.detail())
        .isEqualTo(
            "1 of 3 updated devices unhealthy (1 with 2+ abnormal resets) against 1 of 2 not yet"
                + " updated unhealthy (1 with 2+ abnormal resets)");
  }

  @Test
  void reconnectionsAndANamedDiagnosticAreSignalsToo() {
    job();
    String flapping = updatedDevice(0);
    String leaking = updatedDevice(0);
    String fine = updatedDevice(0);
    for (int i = 1; i <= 4; i++) {
      reconnection(flapping, UPDATED.plusMinutes(i));
    }
    reconnection(fine, UPDATED.minusMinutes(1));
    vitals(leaking, UPDATED.plusMinutes(1), "{\"heap.failures\":2.0}");
    vitals(leaking, UPDATED.plusMinutes(2), "{\"heap.failures\":7.5}");
    vitals(fine, UPDATED.plusMinutes(1), "{\"heap.failures\":1.0,\"other\":99}");
    vitals(fine, UPDATED.minusMinutes(1), "{\"heap.failures\":50}");

    HealthReport report =
        report(new HealthPlan(0, 4, "heap.failures", 5, 0.1, 1, Duration.ofSeconds(30)));

    assertThat(report.updated()).isEqualTo(3);
    assertThat(report.updatedUnhealthy()).isEqualTo(2);
    assertThat(report.control()).isZero();
    assertThat(report.detail())
        .startsWith(
            "2 of 3 updated devices unhealthy (1 with 4+ reconnections, 1 with heap.failures >="
                + " 5.0)");
  }

  @Test
  void beforeAnyUpdateThereIsNothingToJudge() {
    job();
    device("1.0.0");
    assertThat(report(new HealthPlan(1, 0, null, 0, 0.1, 1, null))).isEqualTo(HealthReport.none());
  }
}
