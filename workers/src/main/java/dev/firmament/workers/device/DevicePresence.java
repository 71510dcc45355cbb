package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;

import dev.firmament.protocol.DeviceInfo;
import dev.firmament.protocol.Presence;
import dev.firmament.sql.generated.tables.records.DevicesRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.Row2;
import org.jooq.Table;
import org.jooq.UpdateSetMoreStep;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/** Keeps {@code online}, {@code lastHeard} and the running firmware version of devices current. */
@Repository
public class DevicePresence {
  private final DSLContext dsl;

  public DevicePresence(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** Records a presence message; unknown devices are ignored (they are not registered). */
  public boolean record(String deviceId, Presence presence) {
    return says(presence)
            .set(DEVICES.LAST_HEARD, DSL.currentOffsetDateTime())
            .where(DEVICES.ID.eq(deviceId))
            .execute()
        > 0;
  }

  /**
   * An update of the row to what the presence says: online or not, its version if any, and what the
   * device says about itself if it does.
   */
  private UpdateSetMoreStep<DevicesRecord> says(Presence presence) {
    UpdateSetMoreStep<DevicesRecord> update =
        dsl.update(DEVICES)
            .set(DEVICES.ONLINE, presence.online())
            .set(
                DEVICES.FIRMWARE_VERSION,
                presence.currentVersion() == null
                    ? DEVICES.FIRMWARE_VERSION
                    : DSL.val(presence.currentVersion()));
    DeviceInfo info = presence.info();
    if (info != null) {
      update =
          update
              .set(DEVICES.INFO_PLATFORM, info.platform())
              .set(DEVICES.INFO_HARDWARE, info.hardware())
              .set(DEVICES.INFO_RADIO, info.radio())
              .set(DEVICES.INFO_BOOTLOADER, info.bootloaderVersion())
              .set(DEVICES.INFO_SYSTEM, info.systemVersion())
              .set(DEVICES.INFO_REPORTED_AT, DSL.currentOffsetDateTime());
    }
    return update;
  }

  /**
   * Records a presence the broker kept (retained) since before {@code asOf}: only when nothing was
   * heard from the device since then (what was is newer) and the row does not say the same already.
   * {@code lastHeard} stays: the device was not heard now, the broker told of it. Returns whether
   * the row changed.
   */
  public boolean recordRetained(String deviceId, Presence presence, Instant asOf) {
    Condition differs = DEVICES.ONLINE.isDistinctFrom(presence.online());
    if (presence.currentVersion() != null) {
      differs = differs.or(DEVICES.FIRMWARE_VERSION.isDistinctFrom(presence.currentVersion()));
    }
    if (presence.info() != null) {
      differs = differs.or(DEVICES.INFO_REPORTED_AT.isNull());
    }
    return says(presence)
            .where(DEVICES.ID.eq(deviceId))
            .and(
                DEVICES
                    .LAST_HEARD
                    .isNull()
                    .or(DEVICES.LAST_HEARD.lt(asOf.atOffset(ZoneOffset.UTC))))
            .and(differs)
            .execute()
        > 0;
  }

  /** Records the versions devices reported after their updates, in one statement. */
  public void recordVersions(Map<String, String> versionByDevice) {
    if (versionByDevice.isEmpty()) {
      return;
    }
    List<Row2<String, String>> rows = new ArrayList<>(versionByDevice.size());
    versionByDevice.forEach((device, version) -> rows.add(DSL.row(device, version)));
    @SuppressWarnings("unchecked")
    Table<Record2<String, String>> v =
        DSL.values(rows.toArray(Row2[]::new)).as("v", "device_id", "version");
    dsl.update(DEVICES)
        .set(DEVICES.FIRMWARE_VERSION, v.field("version", String.class))
        .set(DEVICES.LAST_HEARD, DSL.currentOffsetDateTime())
        .from(v)
        .where(DEVICES.ID.eq(v.field("device_id", String.class)))
        .execute();
  }

  /** Records the version a device reported after an update. */
  public void recordVersion(String deviceId, String version) {
    dsl.update(DEVICES)
        .set(DEVICES.FIRMWARE_VERSION, version)
        .set(DEVICES.LAST_HEARD, DSL.currentOffsetDateTime())
        .where(DEVICES.ID.eq(deviceId))
        .execute();
  }
}
