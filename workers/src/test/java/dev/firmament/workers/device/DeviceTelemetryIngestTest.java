package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_LOGS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static dev.firmament.sql.generated.Tables.DIAGNOSTIC_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.protocol.Telemetry;
import dev.firmament.protocol.Telemetry.ResetReason;
import dev.firmament.protocol.server.DeviceTelemetryReport;
import dev.firmament.sql.generated.tables.records.DeviceLogsRecord;
import dev.firmament.sql.generated.tables.records.DeviceVitalsRecord;
import dev.firmament.sql.generated.tables.records.DiagnosticEventsRecord;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vitals and log lines reach their tables with the device's organization and version; a reported
 * start becomes a RESET diagnostic, abnormal resets past the threshold a RESET_LOOP (once per
 * window) that the event stream hears; old rows are pruned.
 */
class DeviceTelemetryIngestTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  private static String device(UUID[] orgAndProduct, String version) {
    String id = "tm-" + UUID.randomUUID().toString().substring(0, 8);
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, id)
        .set(DEVICES.ORGANIZATION_ID, orgAndProduct[0])
        .set(DEVICES.PRODUCT_ID, orgAndProduct[1])
        .set(DEVICES.NAME, id)
        .set(DEVICES.FIRMWARE_VERSION, version)
        .execute();
    return id;
  }

  private static DeviceTelemetryIngest ingest(RecordingGateway gateway) {
    return new DeviceTelemetryIngest(
        dsl,
        gateway,
        1000,
        1000,
        1000,
        3,
        Duration.ofMinutes(10),
        Duration.ofDays(14),
        Duration.ofHours(1));
  }

  private static DeviceTelemetryReport report(String device, Telemetry telemetry) {
    return new DeviceTelemetryReport(device, telemetry, Instant.now());
  }

  private static Telemetry.Vitals reset(ResetReason reason, long bootCount) {
    return new Telemetry.Vitals(
        2, reason, bootCount, 100L, 200L, -70, 60, Map.of("mqtt.errors", 1.5), null);
  }

  private static List<DiagnosticEventsRecord> diagnosticsOf(String device) {
    return dsl.selectFrom(DIAGNOSTIC_EVENTS)
        .where(DIAGNOSTIC_EVENTS.DEVICE_ID.eq(device))
        .orderBy(DIAGNOSTIC_EVENTS.ID)
        .fetch();
  }

  @Test
  void vitalsAndLinesAreStoredWithTheirDeviceAndAStartBecomesADiagnostic() throws Exception {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String device = device(orgAndProduct, "1.0.0");
    DeviceTelemetryIngest ingest = ingest(new RecordingGateway());
    try {
      Instant logged = Instant.parse("2026-12-05T10:00:00Z");
      ingest.write(
          List.of(
              report(device, reset(ResetReason.POWER_ON, 1)),
              report("nobody", reset(ResetReason.PANIC, 1)),
              report(
                  device,
                  new Telemetry.Logs(
                      List.of(
                          new Telemetry.LogLine(logged, Telemetry.Level.WARN, "low battery"),
                          new Telemetry.LogLine(
                              logged.plusSeconds(1), Telemetry.Level.INFO, "ok")))),
              report(device, Telemetry.Vitals.of(60, null))));

      List<DeviceVitalsRecord> vitals =
          dsl.selectFrom(DEVICE_VITALS)
              .where(DEVICE_VITALS.DEVICE_ID.eq(device))
              .orderBy(DEVICE_VITALS.ID)
              .fetch();
      assertThat(vitals).hasSize(2);
      DeviceVitalsRecord first = vitals.getFirst();
      assertThat(first.getOrganizationId()).isEqualTo(orgAndProduct[0]);
      assertThat(first.getFirmwareVersion()).isEqualTo("1.0.0");
      assertThat(first.getResetReason()).isEqualTo("POWER_ON");
      assertThat(first.getBootCount()).isEqualTo(1);
      assertThat(first.getFreeMemory()).isEqualTo(100);
      assertThat(first.getTotalMemory()).isEqualTo(200);
      assertThat(first.getSignalStrength()).isEqualTo(-70);
      assertThat(first.getSignalQuality()).isEqualTo(60);
      assertThat(first.getDiagnostics()).isEqualTo("{\"mqtt.errors\":1.5}");
      assertThat(first.getBackfilled()).isFalse();
      assertThat(vitals.get(1).getResetReason()).isNull();
      assertThat(vitals.get(1).getUptimeSeconds()).isEqualTo(60);

      List<DeviceLogsRecord> lines =
          dsl.selectFrom(DEVICE_LOGS)
              .where(DEVICE_LOGS.DEVICE_ID.eq(device))
              .orderBy(DEVICE_LOGS.ID)
              .fetch();
      assertThat(lines)
          .extracting(DeviceLogsRecord::getMessage)
          .containsExactly("low battery", "ok");
      assertThat(lines.getFirst().getLogLevel()).isEqualTo("WARN");
      assertThat(lines.getFirst().getLoggedAt().toInstant()).isEqualTo(logged);

      // A normal start is an INFO diagnostic, dated when the device started, and no cloud event.
      DiagnosticEventsRecord start = diagnosticsOf(device).getFirst();
      assertThat(diagnosticsOf(device)).hasSize(1);
      assertThat(start.getKind()).isEqualTo("RESET");
      assertThat(start.getSeverity()).isEqualTo("INFO");
      assertThat(start.getDetail()).isEqualTo("reset: power_on");
      assertThat(start.getOccurredAt()).isEqualTo(first.getMeasuredAt().minusSeconds(2));
      assertThat(cloudEvents(device)).isZero();
      assertThat(ingest.counts().unknownDevice()).isEqualTo(1);
      assertThat(ingest.counts().vitals()).isEqualTo(2);
      assertThat(ingest.counts().logLines()).isEqualTo(2);
    } finally {
      ingest.destroy();
    }
  }

  private static int cloudEvents(String device) {
    return dsl.fetchCount(
        DSL.table("events"),
        DSL.field("device_id").eq(device),
        DSL.field("name").eq("firmament/device/diagnostic"));
  }

  @Test
  void abnormalResetsPastTheThresholdAreAResetLoopOncePerWindow() throws Exception {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String looping = device(orgAndProduct, "2.0.0");
    String rebooted = device(orgAndProduct, "2.0.0");
    RecordingGateway gateway = new RecordingGateway();
    DeviceTelemetryIngest ingest = ingest(gateway);
    try {
      for (var listener : gateway.telemetryListeners) {
        listener.accept(report(looping, reset(ResetReason.UPDATE, 2)));
        listener.accept(report(looping, reset(ResetReason.PANIC, 3)));
        listener.accept(report(looping, reset(ResetReason.WATCHDOG, 4)));
        // Reboots someone asked for are no loop, however many.
        for (int i = 0; i < 4; i++) {
          listener.accept(report(rebooted, reset(ResetReason.SOFTWARE, i + 2)));
        }
      }
      assertThat(ingest.drain(Duration.ofSeconds(10))).isTrue();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingest.counts().vitals() == 7);
      assertThat(diagnosticsOf(looping))
          .extracting(DiagnosticEventsRecord::getKind)
          .containsExactly("RESET", "RESET", "RESET");
      // Two abnormal ones reach the event stream; the update's start does not.
      assertThat(cloudEvents(looping)).isEqualTo(2);

      ingest.write(List.of(report(looping, reset(ResetReason.PANIC, 5))));
      assertThat(diagnosticsOf(looping).getLast().getKind()).isEqualTo("RESET_LOOP");
      assertThat(diagnosticsOf(looping).getLast().getSeverity()).isEqualTo("CRITICAL");
      assertThat(diagnosticsOf(looping).getLast().getDetail())
          .isEqualTo("3 abnormal resets within 10 minutes");
      assertThat(diagnosticsOf(looping).getLast().getFirmwareVersion()).isEqualTo("2.0.0");
      // Once per window.
      ingest.write(List.of(report(looping, reset(ResetReason.PANIC, 6))));
      assertThat(diagnosticsOf(looping).stream().filter(d -> d.getKind().equals("RESET_LOOP")))
          .hasSize(1);
      assertThat(cloudEvents(looping)).isEqualTo(5);
      assertThat(diagnosticsOf(rebooted)).hasSize(4).allMatch(d -> d.getSeverity().equals("INFO"));
    } finally {
      ingest.destroy();
    }
  }

  @Test
  void aBackfilledReportKeepsTheDevicesTimeUnlessItIsAhead() {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String device = device(orgAndProduct, "1.0.0");
    DeviceTelemetryIngest ingest = ingest(new RecordingGateway());
    try {
      Instant earlier = Instant.parse("2026-12-01T08:00:00Z");
      ingest.write(
          List.of(
              report(
                  device,
                  new Telemetry.Vitals(5, null, null, null, null, null, null, null, earlier)),
              report(
                  device,
                  new Telemetry.Vitals(
                      6,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      Instant.now().plusSeconds(3600)))));
      List<DeviceVitalsRecord> vitals =
          dsl.selectFrom(DEVICE_VITALS)
              .where(DEVICE_VITALS.DEVICE_ID.eq(device))
              .orderBy(DEVICE_VITALS.ID)
              .fetch();
      assertThat(vitals.getFirst().getMeasuredAt().toInstant()).isEqualTo(earlier);
      assertThat(vitals.getFirst().getBackfilled()).isTrue();
      assertThat(vitals.get(1).getMeasuredAt().toInstant()).isBefore(Instant.now().plusSeconds(1));

      // A clock years off, a log line dated ahead and the longest uptime still store, at arrival
      // (with the rest of their batch).
      Instant before = Instant.now();
      ingest.write(
          List.of(
              report(
                  device,
                  new Telemetry.Vitals(
                      Telemetry.Vitals.MAX_UPTIME,
                      ResetReason.PANIC,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      Instant.parse("1970-01-02T00:00:00Z"))),
              report(
                  device,
                  new Telemetry.Logs(
                      List.of(
                          new Telemetry.LogLine(
                              Instant.parse("+20000-01-01T00:00:00Z"),
                              Telemetry.Level.INFO,
                              "from the future"))))));
      var old =
          dsl.selectFrom(DEVICE_VITALS)
              .where(DEVICE_VITALS.DEVICE_ID.eq(device))
              .orderBy(DEVICE_VITALS.ID.desc())
              .limit(1)
              .fetchSingle();
      assertThat(old.getMeasuredAt().toInstant()).isAfterOrEqualTo(before.minusSeconds(1));
      assertThat(
              dsl.selectFrom(DEVICE_LOGS)
                  .where(DEVICE_LOGS.DEVICE_ID.eq(device))
                  .fetchSingle()
                  .getLoggedAt()
                  .toInstant())
          .isAfterOrEqualTo(before.minusSeconds(1))
          .isBefore(Instant.now().plusSeconds(1));
    } finally {
      destroy(ingest);
    }
  }

  @Test
  void rowsPastTheRetentionArePruned() {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String device = device(orgAndProduct, "1.0.0");
    DeviceTelemetryIngest ingest = ingest(new RecordingGateway());
    try {
      ingest.write(
          List.of(
              report(device, reset(ResetReason.POWER_ON, 1)),
              report(
                  device,
                  new Telemetry.Logs(
                      List.of(new Telemetry.LogLine(Instant.now(), Telemetry.Level.INFO, "x"))))));
      ingest.write(List.of(report(device, Telemetry.Vitals.of(9, null))));
      var old = java.time.OffsetDateTime.now().minusDays(15);
      dsl.update(DEVICE_VITALS)
          .set(DEVICE_VITALS.RECEIVED_AT, old)
          .where(DEVICE_VITALS.DEVICE_ID.eq(device))
          .and(DEVICE_VITALS.RESET_REASON.isNotNull())
          .execute();
      dsl.update(DEVICE_LOGS)
          .set(DEVICE_LOGS.RECEIVED_AT, old)
          .where(DEVICE_LOGS.DEVICE_ID.eq(device))
          .execute();
      dsl.update(DIAGNOSTIC_EVENTS)
          .set(DIAGNOSTIC_EVENTS.OCCURRED_AT, old)
          .where(DIAGNOSTIC_EVENTS.DEVICE_ID.eq(device))
          .execute();
      ingest.prune();
      assertThat(dsl.fetchCount(DEVICE_VITALS, DEVICE_VITALS.DEVICE_ID.eq(device))).isEqualTo(1);
      assertThat(dsl.fetchCount(DEVICE_LOGS, DEVICE_LOGS.DEVICE_ID.eq(device))).isZero();
      assertThat(dsl.fetchCount(DIAGNOSTIC_EVENTS, DIAGNOSTIC_EVENTS.DEVICE_ID.eq(device)))
          .isZero();
    } finally {
      destroy(ingest);
    }
  }

  private static void destroy(DeviceTelemetryIngest ingest) {
    try {
      ingest.destroy();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void badSettingsAreRefused() {
    RecordingGateway gateway = new RecordingGateway();
    Duration w = Duration.ofMinutes(10);
    Duration d = Duration.ofDays(1);
    Duration h = Duration.ofHours(1);
    assertThatThrownBy(() -> new DeviceTelemetryIngest(dsl, gateway, 0, 4, 100, 3, w, d, h))
        .hasMessageContaining("firmament.telemetry.device-rate");
    assertThatThrownBy(() -> new DeviceTelemetryIngest(dsl, gateway, 1, 4, 100, 1, w, d, h))
        .hasMessageContaining("reset-loop.count");
    assertThatThrownBy(
            () -> new DeviceTelemetryIngest(dsl, gateway, 1, 4, 100, 3, Duration.ZERO, d, h))
        .hasMessageContaining("reset-loop.count");
    assertThatThrownBy(
            () ->
                new DeviceTelemetryIngest(dsl, gateway, 1, 4, 100, 3, w, Duration.ofMinutes(5), h))
        .hasMessageContaining("retention");
  }
}
