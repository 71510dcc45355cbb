package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_LOGS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static dev.firmament.sql.generated.Tables.DIAGNOSTIC_EVENTS;
import static dev.firmament.sql.generated.Tables.EVENTS;

import dev.firmament.api.caller.Role;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A device's vitals, log lines and diagnostic events as the workers store them, through {@code
 * Device.vitals}, {@code DeviceInfo.vitals}, {@code Device.vitalsHistory}, {@code Device.logs} and
 * {@code Device.diagnostics}: newest first, paged, filtered by level, per organization.
 */
class DeviceTelemetryTest extends ApiIntegrationTest {
  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-12-05T10:00:00Z");

  private record Registered(String id, UUID organization) {}

  private Registered device() {
    String productId = createProduct();
    String id = registerDevices(productId, unique("tele"), 1).getFirst();
    UUID organization =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(id))
            .fetchSingle(DEVICES.ORGANIZATION_ID);
    return new Registered(id, organization);
  }

  private void vitals(Registered d, int minute, String resetReason, String diagnostics) {
    dsl.insertInto(DEVICE_VITALS)
        .set(DEVICE_VITALS.ORGANIZATION_ID, d.organization())
        .set(DEVICE_VITALS.DEVICE_ID, d.id())
        .set(DEVICE_VITALS.MEASURED_AT, T0.plusMinutes(minute))
        .set(DEVICE_VITALS.RECEIVED_AT, T0.plusMinutes(minute))
        .set(DEVICE_VITALS.FIRMWARE_VERSION, "1.2.0")
        .set(DEVICE_VITALS.UPTIME_SECONDS, 60L * minute)
        .set(DEVICE_VITALS.RESET_REASON, resetReason)
        .set(DEVICE_VITALS.BOOT_COUNT, 4L)
        .set(DEVICE_VITALS.FREE_MEMORY, 1000L + minute)
        .set(DEVICE_VITALS.TOTAL_MEMORY, 4096L)
        .set(DEVICE_VITALS.SIGNAL_STRENGTH, -67)
        .set(DEVICE_VITALS.SIGNAL_QUALITY, 66)
        .set(DEVICE_VITALS.DIAGNOSTICS, diagnostics)
        .set(DEVICE_VITALS.BACKFILLED, minute == 0)
        .execute();
  }

  @Test
  void aDeviceShowsTheArtifactKindsItDeclaredOrWhatItIsOfferedUntilThen() {
    Registered said = device();
    Registered silent = device();
    dsl.update(DEVICES)
        .set(DEVICES.ARTIFACT_KINDS, "FULL,DELTA,DELTA_CHAIN")
        .where(DEVICES.ID.eq(said.id()))
        .execute();

    for (Registered d : List.of(said, silent)) {
      var read =
          graphQl
              .document("query($id: ID!) { device(id: $id) { artifactKinds slot { mode } } }")
              .variable("id", d.id())
              .execute();
      read.errors().verify();
      read.path("device.artifactKinds")
          .entityList(String.class)
          .containsExactly(
              d == said
                  ? new String[] {"FULL", "DELTA", "DELTA_CHAIN"}
                  : new String[] {"FULL", "DELTA"});
      read.path("device.slot").valueIsNull();
    }

    // The branch filters a device names, and what one that names none is taken to decode.
    Registered filters = device();
    dsl.update(DEVICES)
        .set(DEVICES.ARTIFACT_KINDS, "FULL,DELTA")
        .set(DEVICES.DELTA_FILTERS, "ARM64,X86")
        .set(DEVICES.DELTA_CODECS, "LZMA")
        .where(DEVICES.ID.eq(filters.id()))
        .execute();
    for (Registered d : List.of(filters, said)) {
      var read =
          graphQl
              .document("query($id: ID!) { device(id: $id) { deltaFilters deltaCodecs } }")
              .variable("id", d.id())
              .execute();
      read.errors().verify();
      read.path("device.deltaFilters")
          .entityList(String.class)
          .containsExactly(
              d == filters ? new String[] {"ARM64", "X86"} : new String[] {"THUMB_BL", "ARM_BL"});
      read.path("device.deltaCodecs")
          .entityList(String.class)
          .containsExactly(d == filters ? "LZMA" : "ZSTD");
    }

    // A single-slot device shows its layout.
    Registered single = device();
    dsl.update(DEVICES)
        .set(DEVICES.ARTIFACT_KINDS, "DELTA_IN_PLACE")
        .set(DEVICES.SLOT_MODE, "IN_PLACE")
        .set(DEVICES.SLOT_SIZE, 524_288L)
        .set(DEVICES.SLOT_SEGMENT, 4096)
        .where(DEVICES.ID.eq(single.id()))
        .execute();
    var read =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { artifactKinds slot { mode size segment } } }")
            .variable("id", single.id())
            .execute();
    read.errors().verify();
    read.path("device.artifactKinds").entityList(String.class).containsExactly("DELTA_IN_PLACE");
    read.path("device.slot.mode").entity(String.class).isEqualTo("IN_PLACE");
    read.path("device.slot.size").entity(Long.class).isEqualTo(524_288L);
    read.path("device.slot.segment").entity(Integer.class).isEqualTo(4096);
  }

  @Test
  void theLatestVitalsAndTheirHistoryNewestFirst() {
    Registered d = device();
    vitals(d, 0, "PANIC", "{}");
    vitals(d, 2, null, "{\"mqtt.errors\":3.0,\"heap.low\":1.5}");
    vitals(d, 1, null, "{}");
    dsl.update(DEVICES)
        .set(DEVICES.INFO_PLATFORM, "esp32-s3")
        .set(DEVICES.INFO_REPORTED_AT, T0)
        .where(DEVICES.ID.eq(d.id()))
        .execute();

    var read =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) {"
                    + " vitals { measuredAt uptimeSeconds resetReason bootCount freeMemory"
                    + " totalMemory signalStrength signalQuality firmwareVersion backfilled"
                    + " diagnostics { name value } }"
                    + " info { platform vitals { uptimeSeconds } }"
                    + " vitalsHistory(size: 2) { total hasMore last items { uptimeSeconds"
                    + " resetReason backfilled } } } }")
            .variable("id", d.id())
            .execute();
    read.errors().verify();
    read.path("device.vitals.measuredAt").entity(String.class).isEqualTo("2026-12-05T10:02:00Z");
    read.path("device.vitals.uptimeSeconds").entity(Long.class).isEqualTo(120L);
    read.path("device.vitals.resetReason").valueIsNull();
    read.path("device.vitals.bootCount").entity(Long.class).isEqualTo(4L);
    read.path("device.vitals.freeMemory").entity(Long.class).isEqualTo(1002L);
    read.path("device.vitals.totalMemory").entity(Long.class).isEqualTo(4096L);
    read.path("device.vitals.signalStrength").entity(Integer.class).isEqualTo(-67);
    read.path("device.vitals.signalQuality").entity(Integer.class).isEqualTo(66);
    read.path("device.vitals.firmwareVersion").entity(String.class).isEqualTo("1.2.0");
    read.path("device.vitals.backfilled").entity(Boolean.class).isEqualTo(false);
    read.path("device.vitals.diagnostics[*].name")
        .entityList(String.class)
        .containsExactly("mqtt.errors", "heap.low");
    read.path("device.vitals.diagnostics[0].value").entity(Double.class).isEqualTo(3.0);
    read.path("device.info.platform").entity(String.class).isEqualTo("esp32-s3");
    read.path("device.info.vitals.uptimeSeconds").entity(Long.class).isEqualTo(120L);
    read.path("device.vitalsHistory.total").entity(Integer.class).isEqualTo(3);
    read.path("device.vitalsHistory.hasMore").entity(Boolean.class).isEqualTo(true);
    read.path("device.vitalsHistory.items[*].uptimeSeconds")
        .entityList(Long.class)
        .containsExactly(120L, 60L);

    var oldest =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { vitalsHistory(from: 2) { hasMore items {"
                    + " resetReason backfilled } } } }")
            .variable("id", d.id())
            .execute();
    oldest.path("device.vitalsHistory.hasMore").entity(Boolean.class).isEqualTo(false);
    oldest
        .path("device.vitalsHistory.items[0].resetReason")
        .entity(String.class)
        .isEqualTo("PANIC");
    oldest.path("device.vitalsHistory.items[0].backfilled").entity(Boolean.class).isEqualTo(true);
  }

  @Test
  void aDeviceWithoutReportsHasNoVitalsAndEmptyLists() {
    Registered d = device();
    var read =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { vitals { uptimeSeconds }"
                    + " vitalsHistory { total items { uptimeSeconds } }"
                    + " logs { total } diagnostics { total hasMore } } }")
            .variable("id", d.id())
            .execute();
    read.errors().verify();
    read.path("device.vitals").valueIsNull();
    read.path("device.vitalsHistory.total").entity(Integer.class).isEqualTo(0);
    read.path("device.logs.total").entity(Integer.class).isEqualTo(0);
    read.path("device.diagnostics.hasMore").entity(Boolean.class).isEqualTo(false);
  }

  @Test
  void logLinesNewestFirstFromAMinimumLevel() {
    Registered d = device();
    List<String> levels = List.of("INFO", "ERROR", "DEBUG", "WARN", "TRACE");
    for (int i = 0; i < levels.size(); i++) {
      dsl.insertInto(DEVICE_LOGS)
          .set(DEVICE_LOGS.ORGANIZATION_ID, d.organization())
          .set(DEVICE_LOGS.DEVICE_ID, d.id())
          .set(DEVICE_LOGS.LOGGED_AT, T0.plusSeconds(i))
          .set(DEVICE_LOGS.RECEIVED_AT, T0.plusMinutes(1))
          .set(DEVICE_LOGS.LOG_LEVEL, levels.get(i))
          .set(DEVICE_LOGS.MESSAGE, "line " + i)
          .execute();
    }
    var all =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { logs { total items { message level loggedAt"
                    + " receivedAt deviceId } } } }")
            .variable("id", d.id())
            .execute();
    all.path("device.logs.total").entity(Integer.class).isEqualTo(5);
    all.path("device.logs.items[*].message")
        .entityList(String.class)
        .containsExactly("line 4", "line 3", "line 2", "line 1", "line 0");
    all.path("device.logs.items[0].loggedAt")
        .entity(String.class)
        .isEqualTo("2026-12-05T10:00:04Z");
    all.path("device.logs.items[0].deviceId").entity(String.class).isEqualTo(d.id());

    var warnings =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { logs(minLevel: WARN) { total items {"
                    + " level } } errors: logs(minLevel: ERROR, size: 1) { total items { message }"
                    + " } } }")
            .variable("id", d.id())
            .execute();
    warnings.path("device.logs.total").entity(Integer.class).isEqualTo(2);
    warnings
        .path("device.logs.items[*].level")
        .entityList(String.class)
        .containsExactly("WARN", "ERROR");
    warnings.path("device.errors.total").entity(Integer.class).isEqualTo(1);
    warnings.path("device.errors.items[0].message").entity(String.class).isEqualTo("line 1");

    assertRefused(
        graphQl
            .document("query($id: ID!) { device(id: $id) { logs(size: 1001) { total } } }")
            .variable("id", d.id()),
        "INVALID_ARGUMENT");
  }

  @Test
  void diagnosticsNewestFirstAndOnlyToTheDevicesOrganization() {
    Registered d = device();
    for (String kind : List.of("RESET", "RESET", "RESET_LOOP")) {
      dsl.insertInto(DIAGNOSTIC_EVENTS)
          .set(DIAGNOSTIC_EVENTS.ORGANIZATION_ID, d.organization())
          .set(DIAGNOSTIC_EVENTS.DEVICE_ID, d.id())
          .set(
              DIAGNOSTIC_EVENTS.OCCURRED_AT,
              T0.plusSeconds(
                  dsl.fetchCount(DIAGNOSTIC_EVENTS, DIAGNOSTIC_EVENTS.DEVICE_ID.eq(d.id()))))
          .set(DIAGNOSTIC_EVENTS.KIND, kind)
          .set(DIAGNOSTIC_EVENTS.SEVERITY, kind.equals("RESET") ? "WARNING" : "CRITICAL")
          .set(DIAGNOSTIC_EVENTS.DETAIL, kind.equals("RESET") ? "reset: panic" : "3 abnormal")
          .set(DIAGNOSTIC_EVENTS.FIRMWARE_VERSION, "2.0.0")
          .execute();
    }
    String query =
        "query($id: ID!) { device(id: $id) { diagnostics { total items { id kind severity detail"
            + " firmwareVersion occurredAt } } } }";
    var read =
        as(tokenFor(TEST_ORGANIZATION, Role.AUDITOR))
            .document(query)
            .variable("id", d.id())
            .execute();
    read.errors().verify();
    read.path("device.diagnostics.total").entity(Integer.class).isEqualTo(3);
    read.path("device.diagnostics.items[*].kind")
        .entityList(String.class)
        .containsExactly("RESET_LOOP", "RESET", "RESET");
    read.path("device.diagnostics.items[0].severity").entity(String.class).isEqualTo("CRITICAL");
    read.path("device.diagnostics.items[0].firmwareVersion")
        .entity(String.class)
        .isEqualTo("2.0.0");

    // Another organization does not see the device, and so nothing of what it reported.
    var other =
        as(tokenFor(unique("other-org"), Role.OWNER))
            .document(query)
            .variable("id", d.id())
            .execute();
    // Whether the answer also says so in an error, the data holds nothing of the device.
    other.errors().satisfy(errors -> {});
    other.path("device").valueIsNull();
  }

  @Test
  void backfilledEventsWithTheDevicesTimeAndHowLongItKeptThem() {
    Registered d = device();
    UUID product =
        dsl.select(DEVICES.PRODUCT_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(d.id()))
            .fetchSingle(DEVICES.PRODUCT_ID);
    for (int i = 0; i < 3; i++) {
      dsl.insertInto(EVENTS)
          .set(EVENTS.ORGANIZATION_ID, d.organization())
          .set(EVENTS.PRODUCT_ID, product)
          .set(EVENTS.DEVICE_ID, d.id())
          .set(EVENTS.NAME, "kept")
          .set(EVENTS.DATA, Integer.toString(i))
          .set(EVENTS.TTL_SECONDS, 60)
          .set(EVENTS.SCOPE, "private")
          .set(EVENTS.SOURCE, "device")
          .set(EVENTS.PUBLISHED_AT, T0.plusSeconds(i))
          .set(EVENTS.STORED_AT, T0.plusSeconds(90))
          // The last one arrived as it happened: not a backfill.
          .set(EVENTS.BACKFILLED, i < 2)
          .execute();
    }
    var read =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { backfills { total items { publishedAt"
                    + " storedAt delaySeconds event { name data backfilled deviceId } } } } }")
            .variable("id", d.id())
            .execute();
    read.errors().verify();
    read.path("device.backfills.total").entity(Integer.class).isEqualTo(2);
    read.path("device.backfills.items[*].event.data")
        .entityList(String.class)
        .containsExactly("1", "0");
    read.path("device.backfills.items[0].publishedAt")
        .entity(String.class)
        .isEqualTo("2026-12-05T10:00:01Z");
    read.path("device.backfills.items[0].storedAt")
        .entity(String.class)
        .isEqualTo("2026-12-05T10:01:30Z");
    read.path("device.backfills.items[0].delaySeconds").entity(Long.class).isEqualTo(89L);
    read.path("device.backfills.items[1].delaySeconds").entity(Long.class).isEqualTo(90L);
    read.path("device.backfills.items[0].event.backfilled").entity(Boolean.class).isEqualTo(true);
  }
}
