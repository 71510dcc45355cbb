package dev.firmament.workers.ledger;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.LEDGERS;
import static dev.firmament.sql.generated.Tables.LEDGER_INSTANCES;

import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.LedgerDocuments;
import dev.firmament.protocol.LedgerWrite;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * The workers' reads and writes of ledgers: what a device should hold, what it wrote, and the
 * devices a change reaches. Only the API writes cloud-to-device instances; only this class writes
 * device-to-cloud ones.
 */
final class LedgerRecords {
  static final String CLOUD_TO_DEVICE = "CLOUD_TO_DEVICE";
  static final String DEVICE_TO_CLOUD = "DEVICE_TO_CLOUD";

  private final DSLContext dsl;

  LedgerRecords(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** A registered device with its organization and product. */
  record Device(String id, UUID organizationId, UUID productId) {}

  Optional<Device> device(String deviceId) {
    return dsl.select(DEVICES.ORGANIZATION_ID, DEVICES.PRODUCT_ID)
        .from(DEVICES)
        .where(DEVICES.ID.eq(deviceId))
        .fetchOptional(r -> new Device(deviceId, r.value1(), r.value2()));
  }

  /**
   * The instances of cloud-to-device ledgers that apply to the device (its organization's, its
   * product's and its own), as copies by ledger name.
   */
  Map<String, LedgerCopy> copiesFor(Device device) {
    Map<String, LedgerCopy> copies = new HashMap<>();
    dsl.select(
            LEDGERS.NAME,
            LEDGER_INSTANCES.VERSION,
            LEDGER_INSTANCES.DATA,
            LEDGER_INSTANCES.UPDATED_AT)
        .from(LEDGER_INSTANCES)
        .join(LEDGERS)
        .on(LEDGERS.ID.eq(LEDGER_INSTANCES.LEDGER_ID))
        .where(LEDGERS.ORGANIZATION_ID.eq(device.organizationId()))
        .and(LEDGERS.DIRECTION.eq(CLOUD_TO_DEVICE))
        .and(
            LEDGERS
                .SCOPE
                .eq("ORGANIZATION")
                .and(LEDGER_INSTANCES.PRODUCT_ID.isNull())
                .and(LEDGER_INSTANCES.DEVICE_ID.isNull())
                .or(
                    LEDGERS
                        .SCOPE
                        .eq("PRODUCT")
                        .and(LEDGER_INSTANCES.PRODUCT_ID.eq(device.productId())))
                .or(LEDGERS.SCOPE.eq("DEVICE").and(LEDGER_INSTANCES.DEVICE_ID.eq(device.id()))))
        .forEach(r -> copies.put(r.value1(), copy(r.value1(), r.value2(), r.value3(), r.value4())));
    return copies;
  }

  /**
   * The versions the cloud stores of the device's instances of these device-to-cloud ledgers (0 for
   * a ledger it has not written yet); a name that is no device-to-cloud ledger of its organization
   * is absent.
   */
  Map<String, Long> storedWrites(Device device, Collection<String> names) {
    Map<String, Long> versions = new HashMap<>();
    if (names.isEmpty()) {
      return versions;
    }
    dsl.select(LEDGERS.NAME, LEDGER_INSTANCES.VERSION)
        .from(LEDGERS)
        .leftJoin(LEDGER_INSTANCES)
        .on(LEDGER_INSTANCES.LEDGER_ID.eq(LEDGERS.ID))
        .and(LEDGER_INSTANCES.DEVICE_ID.eq(device.id()))
        .where(LEDGERS.ORGANIZATION_ID.eq(device.organizationId()))
        .and(LEDGERS.DIRECTION.eq(DEVICE_TO_CLOUD))
        .and(LEDGERS.NAME.in(names))
        .forEach(r -> versions.put(r.value1(), r.value2() == null ? 0L : r.value2()));
    return versions;
  }

  /**
   * Stores a device's write to its instance of a device-to-cloud ledger when its version is higher
   * than the stored one, in one statement (so two workers storing writes of one device at once keep
   * the higher); returns the version stored afterwards, or empty when the organization has no
   * device-to-cloud ledger of that name.
   */
  Optional<Long> storeWrite(Device device, LedgerWrite write) {
    String data = LedgerDocuments.compact(write.data());
    OffsetDateTime writtenAt =
        (write.writtenAt() == null ? java.time.Instant.now() : write.writtenAt())
            .atOffset(ZoneOffset.UTC);
    Record stored =
        dsl.resultQuery(
                """
                with ledger as (
                  select id from ledgers
                  where organization_id = ? and name = ? and direction = 'DEVICE_TO_CLOUD'
                ), written as (
                  insert into ledger_instances
                    (id, organization_id, ledger_id, device_id, data, version, updated_at, updated_by)
                  select ?, ?, ledger.id, ?, ?, ?, cast(? as timestamptz), ? from ledger
                  on conflict (ledger_id, device_id) where device_id is not null
                  do update set data = excluded.data, version = excluded.version,
                                updated_at = excluded.updated_at, updated_by = excluded.updated_by
                  where ledger_instances.version < excluded.version
                  returning version
                )
                select (select version from written) as written,
                       (select i.version from ledger_instances i join ledger l on l.id = i.ledger_id
                        where i.device_id = ?) as kept,
                       (select count(*) from ledger) as known
                """,
                device.organizationId(),
                write.name(),
                UUID.randomUUID(),
                device.organizationId(),
                device.id(),
                data,
                write.version(),
                writtenAt.toString(),
                "device:" + device.id(),
                device.id())
            .fetchSingle();
    if (stored.get("known", Long.class) == 0) {
      return Optional.empty();
    }
    Long written = stored.get("written", Long.class);
    Long kept = stored.get("kept", Long.class);
    return Optional.of(written != null ? written : kept == null ? 0L : kept);
  }

  /** A fresh version for a removal: higher than every version a device may hold. */
  long nextVersion() {
    return dsl.select(DSL.field("nextval('ledger_versions')", Long.class)).fetchSingle().value1();
  }

  /** A change the API made, to push: the ledger's name and the scope value it changed. */
  record Push(
      UUID organizationId, String ledgerName, String scope, UUID productId, String deviceId) {}

  /**
   * Claims up to {@code max} pushes, oldest first, in the caller's transaction: they are deleted
   * when it commits, and other workers skip them meanwhile.
   */
  List<Push> claimPushes(DSLContext tx, int max) {
    List<Push> pushes = new ArrayList<>();
    tx.resultQuery(
            """
            delete from ledger_pushes where id in (
              select id from ledger_pushes order by id limit ? for update skip locked)
            returning organization_id, ledger_name, scope, product_id, device_id, id
            """,
            max)
        .fetch()
        .sortAsc(DSL.field("id", Long.class))
        .forEach(
            r ->
                pushes.add(
                    new Push(
                        r.get("organization_id", UUID.class),
                        r.get("ledger_name", String.class),
                        r.get("scope", String.class),
                        r.get("product_id", UUID.class),
                        r.get("device_id", String.class))));
    return pushes;
  }

  /**
   * What the push's devices should now hold of its ledger: the instance's copy, or a removal when
   * the instance or the ledger is gone.
   */
  LedgerCopy copyOf(DSLContext tx, Push push) {
    Condition scopeValue =
        switch (push.scope()) {
          case "PRODUCT" -> LEDGER_INSTANCES.PRODUCT_ID.eq(push.productId());
          case "DEVICE" -> LEDGER_INSTANCES.DEVICE_ID.eq(push.deviceId());
          default -> LEDGER_INSTANCES.PRODUCT_ID.isNull().and(LEDGER_INSTANCES.DEVICE_ID.isNull());
        };
    return tx.select(LEDGER_INSTANCES.VERSION, LEDGER_INSTANCES.DATA, LEDGER_INSTANCES.UPDATED_AT)
        .from(LEDGER_INSTANCES)
        .join(LEDGERS)
        .on(LEDGERS.ID.eq(LEDGER_INSTANCES.LEDGER_ID))
        .where(LEDGERS.ORGANIZATION_ID.eq(push.organizationId()))
        .and(LEDGERS.NAME.eq(push.ledgerName()))
        .and(LEDGERS.DIRECTION.eq(CLOUD_TO_DEVICE))
        .and(LEDGERS.SCOPE.eq(push.scope()))
        .and(scopeValue)
        .fetchOptional(r -> copy(push.ledgerName(), r.value1(), r.value2(), r.value3()))
        .orElseGet(() -> LedgerCopy.removal(push.ledgerName(), nextVersion()));
  }

  /** The online devices a push reaches; offline ones catch up when they sync on connect. */
  List<String> onlineDevicesOf(DSLContext tx, Push push) {
    Condition scope =
        switch (push.scope()) {
          case "PRODUCT" -> DEVICES.PRODUCT_ID.eq(push.productId());
          case "DEVICE" -> DEVICES.ID.eq(push.deviceId());
          default -> DSL.noCondition();
        };
    return tx.select(DEVICES.ID)
        .from(DEVICES)
        .where(DEVICES.ORGANIZATION_ID.eq(push.organizationId()))
        .and(DEVICES.ONLINE.isTrue())
        .and(scope)
        .orderBy(DEVICES.ID)
        .fetch(DEVICES.ID);
  }

  private static LedgerCopy copy(String name, long version, String data, OffsetDateTime at) {
    return new LedgerCopy(
        name, version, LedgerDocuments.parse("data", data), at == null ? null : at.toInstant());
  }
}
