package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VARIABLES;

import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.DeviceInfo;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.sql.generated.tables.records.DevicesRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.Row2;
import org.jooq.Table;
import org.jooq.UpdateSetMoreStep;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/**
 * Keeps {@code online}, {@code lastHeard}, the running firmware version, what devices say about
 * themselves and the functions and variables they declare current.
 */
@Repository
public class DevicePresence {
  private final DSLContext dsl;

  public DevicePresence(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** Records a presence message; unknown devices are ignored (they are not registered). */
  public boolean record(String deviceId, Presence presence) {
    return withDeclaration(
        deviceId,
        presence,
        d ->
            says(d, presence)
                    .set(DEVICES.LAST_HEARD, DSL.currentOffsetDateTime())
                    .where(DEVICES.ID.eq(deviceId))
                    .execute()
                > 0);
  }

  /**
   * Runs {@code update} of the device's row and, when it changed the row and the presence declares
   * functions and variables, keeps the declaration in the same transaction; a presence without one
   * (most of them) is the single update, without a transaction of its own.
   */
  private boolean withDeclaration(
      String deviceId, Presence presence, Predicate<DSLContext> update) {
    if (!presence.online() || presence.cloud() == null) {
      return update.test(dsl);
    }
    return dsl.transactionResult(
        t -> {
          boolean changed = update.test(t.dsl());
          if (changed) {
            declare(t.dsl(), deviceId, presence.cloud());
          }
          return changed;
        });
  }

  /**
   * An update of the row to what the presence says: online or not, its version if any, and what the
   * device says about itself if it does.
   */
  private static UpdateSetMoreStep<DevicesRecord> says(DSLContext dsl, Presence presence) {
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
    if (presence.online() && presence.cloud() != null) {
      update = update.set(DEVICES.CLOUD_DECLARED_AT, DSL.currentOffsetDateTime());
    }
    if (presence.online() && presence.capabilities() != null) {
      update =
          update
              .set(DEVICES.ARTIFACT_KINDS, artifactKinds(presence))
              .set(DEVICES.TRANSPORTS, transports(presence))
              .set(DEVICES.MAX_CHUNK_SIZE, presence.capabilities().maxChunkSize())
              .set(DEVICES.DELTA_FILTERS, joined(presence.capabilities().deltaFilters()))
              .set(DEVICES.DELTA_CODECS, joined(presence.capabilities().deltaCodecs()))
              .set(DEVICES.SLOT_MODE, slot(presence) == null ? null : slot(presence).mode())
              .set(DEVICES.SLOT_SIZE, slot(presence) == null ? null : slot(presence).size())
              .set(DEVICES.SLOT_SEGMENT, slot(presence) == null ? null : slot(presence).segment());
    }
    return update;
  }

  /**
   * Keeps the functions and variables an online presence declares, in its order: what it no longer
   * names is dropped, what it names is added or updated; a presence without a declaration leaves
   * what was declared before. Rows that already say the same are not written again.
   */
  private static void declare(DSLContext dsl, String deviceId, CloudInterface cloud) {
    UUID organization =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(deviceId))
            .fetchSingle(DEVICES.ORGANIZATION_ID);
    dsl.deleteFrom(DEVICE_FUNCTIONS)
        .where(DEVICE_FUNCTIONS.DEVICE_ID.eq(deviceId))
        .and(DSL.not(DEVICE_FUNCTIONS.NAME.eq(DSL.any(cloud.functions().toArray(String[]::new)))))
        .execute();
    if (!cloud.functions().isEmpty()) {
      var insert =
          dsl.insertInto(
              DEVICE_FUNCTIONS,
              DEVICE_FUNCTIONS.ORGANIZATION_ID,
              DEVICE_FUNCTIONS.DEVICE_ID,
              DEVICE_FUNCTIONS.NAME,
              DEVICE_FUNCTIONS.POSITION);
      int position = 0;
      for (String name : cloud.functions()) {
        insert = insert.values(organization, deviceId, name, position++);
      }
      insert
          .onConflict(DEVICE_FUNCTIONS.DEVICE_ID, DEVICE_FUNCTIONS.NAME)
          .doUpdate()
          .set(DEVICE_FUNCTIONS.POSITION, DSL.excluded(DEVICE_FUNCTIONS.POSITION))
          .where(DEVICE_FUNCTIONS.POSITION.ne(DSL.excluded(DEVICE_FUNCTIONS.POSITION)))
          .execute();
    }
    dsl.deleteFrom(DEVICE_VARIABLES)
        .where(DEVICE_VARIABLES.DEVICE_ID.eq(deviceId))
        .and(
            DSL.not(
                DEVICE_VARIABLES.NAME.eq(
                    DSL.any(cloud.variables().keySet().toArray(String[]::new)))))
        .execute();
    if (!cloud.variables().isEmpty()) {
      var insert =
          dsl.insertInto(
              DEVICE_VARIABLES,
              DEVICE_VARIABLES.ORGANIZATION_ID,
              DEVICE_VARIABLES.DEVICE_ID,
              DEVICE_VARIABLES.NAME,
              DEVICE_VARIABLES.TYPE,
              DEVICE_VARIABLES.POSITION);
      int position = 0;
      for (var variable : cloud.variables().entrySet()) {
        insert =
            insert.values(
                organization, deviceId, variable.getKey(), variable.getValue(), position++);
      }
      insert
          .onConflict(DEVICE_VARIABLES.DEVICE_ID, DEVICE_VARIABLES.NAME)
          .doUpdate()
          .set(DEVICE_VARIABLES.TYPE, DSL.excluded(DEVICE_VARIABLES.TYPE))
          .set(DEVICE_VARIABLES.POSITION, DSL.excluded(DEVICE_VARIABLES.POSITION))
          .where(
              DEVICE_VARIABLES
                  .TYPE
                  .ne(DSL.excluded(DEVICE_VARIABLES.TYPE))
                  .or(DEVICE_VARIABLES.POSITION.ne(DSL.excluded(DEVICE_VARIABLES.POSITION))))
          .execute();
    }
  }

  /**
   * Records a presence the broker kept (retained) since before {@code asOf}: only when nothing was
   * heard from the device since then (what was is newer) and the row does not say the same already.
   * {@code lastHeard} stays: the device was not heard now, the broker told of it. Returns whether
   * the row changed.
   */
  public boolean recordRetained(String deviceId, Presence presence, Instant asOf) {
    Condition differs = differs(presence);
    return withDeclaration(
        deviceId,
        presence,
        d ->
            says(d, presence)
                    .where(DEVICES.ID.eq(deviceId))
                    .and(
                        DEVICES
                            .LAST_HEARD
                            .isNull()
                            .or(DEVICES.LAST_HEARD.lt(asOf.atOffset(ZoneOffset.UTC))))
                    .and(differs)
                    .execute()
                > 0);
  }

  /** Whether the row says something other than the presence (online, version, info, interface). */
  private static Condition differs(Presence presence) {
    Condition differs = DEVICES.ONLINE.isDistinctFrom(presence.online());
    if (presence.currentVersion() != null) {
      differs = differs.or(DEVICES.FIRMWARE_VERSION.isDistinctFrom(presence.currentVersion()));
    }
    if (presence.info() != null) {
      differs = differs.or(DEVICES.INFO_REPORTED_AT.isNull());
    }
    if (presence.online() && presence.cloud() != null) {
      differs = differs.or(DEVICES.CLOUD_DECLARED_AT.isNull());
    }
    if (presence.online() && presence.capabilities() != null) {
      differs =
          differs
              .or(DEVICES.ARTIFACT_KINDS.isDistinctFrom(artifactKinds(presence)))
              .or(DEVICES.TRANSPORTS.isDistinctFrom(transports(presence)))
              .or(DEVICES.MAX_CHUNK_SIZE.isDistinctFrom(presence.capabilities().maxChunkSize()))
              .or(
                  DEVICES.DELTA_FILTERS.isDistinctFrom(
                      joined(presence.capabilities().deltaFilters())))
              .or(
                  DEVICES.DELTA_CODECS.isDistinctFrom(
                      joined(presence.capabilities().deltaCodecs())))
              .or(
                  DEVICES.SLOT_MODE.isDistinctFrom(
                      slot(presence) == null ? null : slot(presence).mode()))
              .or(
                  DEVICES.SLOT_SIZE.isDistinctFrom(
                      slot(presence) == null ? null : slot(presence).size()))
              .or(
                  DEVICES.SLOT_SEGMENT.isDistinctFrom(
                      slot(presence) == null ? null : slot(presence).segment()));
    }
    return differs;
  }

  /**
   * The artifact kinds a presence declares, as the {@code devices.artifact_kinds} column keeps
   * them.
   */
  static String artifactKinds(Presence presence) {
    return String.join(",", presence.capabilities().artifacts());
  }

  /**
   * The transports a presence declares, as the {@code devices.transports} column keeps them; null
   * when it names none (MQTT alone).
   */
  static String transports(Presence presence) {
    List<String> transports = presence.capabilities().transports();
    return transports == null ? null : String.join(",", transports);
  }

  /**
   * A list a presence declares (branch filters, codecs) as the device row keeps it: joined by
   * commas; null when the presence named none (what every applier decodes).
   */
  static String joined(List<String> names) {
    return names == null ? null : String.join(",", names);
  }

  /** The slot layout a presence declares; null for none (two slots). */
  private static SlotLayout slot(Presence presence) {
    return presence.capabilities().slot();
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
