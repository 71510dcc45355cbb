package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.DeviceInfo;
import dev.firmament.protocol.Presence;
import dev.firmament.sql.generated.tables.records.DevicesRecord;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a presence message leaves in the device's row, info included. */
class DevicePresenceTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static DevicePresence presence;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    presence = new DevicePresence(dsl);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  void anOnlinePresenceRecordsWhatTheDeviceSaysAboutItselfAndOneWithoutInfoKeepsIt() {
    String device = device();
    DeviceInfo info = new DeviceInfo("esp32-s3", "rev B", "bg96 1.3", "boot 2", "idf 5.2");

    assertThat(presence.record(device, Presence.online("1.0.0", info))).isTrue();
    DevicesRecord row = row(device);
    assertThat(row.getOnline()).isTrue();
    assertThat(row.getFirmwareVersion()).isEqualTo("1.0.0");
    assertThat(row.getInfoPlatform()).isEqualTo("esp32-s3");
    assertThat(row.getInfoHardware()).isEqualTo("rev B");
    assertThat(row.getInfoRadio()).isEqualTo("bg96 1.3");
    assertThat(row.getInfoBootloader()).isEqualTo("boot 2");
    assertThat(row.getInfoSystem()).isEqualTo("idf 5.2");
    assertThat(row.getInfoReportedAt()).isNotNull();

    // The last will and an older device's presence carry no info: what was said stays.
    presence.record(device, Presence.offline());
    presence.record(device, Presence.online("1.1.0"));
    row = row(device);
    assertThat(row.getFirmwareVersion()).isEqualTo("1.1.0");
    assertThat(row.getInfoPlatform()).isEqualTo("esp32-s3");
    assertThat(row.getInfoSystem()).isEqualTo("idf 5.2");

    // A new report replaces every field, those it leaves out included.
    presence.record(
        device, Presence.online("1.1.0", new DeviceInfo("esp32-s3", null, null, null, "idf 5.3")));
    row = row(device);
    assertThat(row.getInfoSystem()).isEqualTo("idf 5.3");
    assertThat(row.getInfoRadio()).isNull();
  }

  @Test
  void aRetainedPresenceWithInfoIsRecordedWhenTheRowHasNone() {
    String device = device();
    presence.record(device, Presence.online("1.0.0"));
    dsl.update(DEVICES)
        .set(DEVICES.LAST_HEARD, DEVICES.LAST_HEARD.minus(60))
        .where(DEVICES.ID.eq(device))
        .execute();
    DeviceInfo info = new DeviceInfo("stm32f4", null, null, null, null);

    assertThat(presence.recordRetained(device, Presence.online("1.0.0", info), Instant.now()))
        .isTrue();
    assertThat(row(device).getInfoPlatform()).isEqualTo("stm32f4");
    // Said already: nothing to change.
    assertThat(presence.recordRetained(device, Presence.online("1.0.0", info), Instant.now()))
        .isFalse();
  }

  private static String device() {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String id = "dev-" + UUID.randomUUID().toString().substring(0, 8);
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, id)
        .set(DEVICES.ORGANIZATION_ID, orgAndProduct[0])
        .set(DEVICES.PRODUCT_ID, orgAndProduct[1])
        .set(DEVICES.NAME, id)
        .execute();
    return id;
  }

  private static DevicesRecord row(String device) {
    return dsl.selectFrom(DEVICES).where(DEVICES.ID.eq(device)).fetchSingle();
  }
}
