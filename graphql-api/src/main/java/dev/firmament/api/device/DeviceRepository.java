package dev.firmament.api.device;

import static dev.firmament.sql.generated.Tables.CUSTOMER_DEVICE_MAPPINGS;
import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CREDENTIALS;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUPS;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;

import dev.firmament.api.AnyOf;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.sql.generated.tables.records.DevicesRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/** Devices and device groups of one organization; every method takes the organization. */
@Repository
public class DeviceRepository {
  /** The final states of an update that leave a device needing attention. */
  static final List<String> FAILED_LAST_UPDATE =
      List.of(
          DeviceUpdateState.FAILED.name(),
          DeviceUpdateState.TIMED_OUT.name(),
          DeviceUpdateState.REJECTED.name());

  private final DSLContext dsl;
  private final DeviceOrderIndex index;

  public DeviceRepository(DSLContext dsl, DeviceOrderIndex index) {
    this.dsl = dsl;
    this.index = index;
  }

  /** Whether the caller sees every device of the organization (a customer does not). */
  private static boolean seesWholeOrganization() {
    return Callers.find().map(c -> !c.isCustomer()).orElse(true);
  }

  /**
   * A page of {@code login.devices} from the kept order of the organization's or one product's
   * devices ({@link DeviceOrderIndex}), when the filter names at most a product, the sort is by
   * name or id and the caller sees every device; empty when the database answers it instead.
   */
  public Optional<Page<Device>> indexedPage(
      UUID organizationId, DeviceFilters.Checked filter, String sort, Window window) {
    Optional<DeviceOrderIndex.Order> order = DeviceOrderIndex.Order.of(sort);
    if (order.isEmpty()
        || !filter.equals(DeviceFilters.Checked.ALL.inProduct(filter.productId()))
        || !seesWholeOrganization()) {
      return Optional.empty();
    }
    return index
        .window(organizationId, filter.productId(), order.get(), window.offset(), window.limit())
        .map(w -> Page.of(window.offset(), w.total(), inIdOrder(organizationId, w.ids())));
  }

  /** The devices of {@code ids} in that order; ids whose device left meanwhile are skipped. */
  private List<Device> inIdOrder(UUID organizationId, List<String> ids) {
    if (ids.isEmpty()) {
      return new ArrayList<>();
    }
    Map<String, Device> byId = new HashMap<>();
    dsl.selectFrom(DEVICES)
        .where(visible(organizationId).and(AnyOf.strings(DEVICES.ID, ids)))
        .forEach(r -> byId.put(r.getId(), toDevice(r)));
    return DeviceOrderIndex.inOrder(ids, byId);
  }

  /**
   * The devices of the organization the caller may see: all of them, or for a customer only those
   * mapped to the customer. Every device read goes through this condition.
   */
  static Condition visible(UUID organizationId) {
    Condition own = DEVICES.ORGANIZATION_ID.eq(organizationId);
    Optional<Caller> caller = Callers.find();
    if (caller.isPresent() && caller.get().isCustomer()) {
      return own.and(
          DEVICES.ID.in(
              DSL.select(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID)
                  .from(CUSTOMER_DEVICE_MAPPINGS)
                  .where(CUSTOMER_DEVICE_MAPPINGS.CUSTOMER_ID.eq(caller.get().customerId()))));
    }
    return own;
  }

  /** The devices of the organization mapped to a customer. */
  public java.util.Set<String> customerDeviceIds(UUID organizationId, UUID customerId) {
    return java.util.Set.copyOf(
        dsl.select(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID)
            .from(CUSTOMER_DEVICE_MAPPINGS)
            .join(DEVICES)
            .on(DEVICES.ID.eq(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID))
            .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
            .and(CUSTOMER_DEVICE_MAPPINGS.CUSTOMER_ID.eq(customerId))
            .fetch(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID));
  }

  /** A device to insert. */
  public record NewDevice(
      String id, String name, String firmwareVersion, String hardwareId, String serialNumber) {}

  public Optional<Device> findById(UUID organizationId, String id) {
    return dsl.selectFrom(DEVICES)
        .where(visible(organizationId).and(DEVICES.ID.eq(id)))
        .fetchOptional(DeviceRepository::toDevice);
  }

  public List<Device> findByIds(UUID organizationId, Collection<String> ids) {
    return dsl.selectFrom(DEVICES)
        .where(visible(organizationId).and(DEVICES.ID.in(ids)))
        .fetch(DeviceRepository::toDevice);
  }

  public int count(UUID organizationId, DeviceFilters.Checked filter) {
    return dsl.fetchCount(DEVICES, visible(organizationId).and(DeviceFilters.condition(filter)));
  }

  public List<Device> page(
      UUID organizationId,
      DeviceFilters.Checked filter,
      int offset,
      int limit,
      List<? extends SortField<?>> order) {
    if (limit == 0) {
      return List.of();
    }
    return dsl.selectFrom(DEVICES)
        .where(visible(organizationId).and(DeviceFilters.condition(filter)))
        .orderBy(order)
        .offset(offset)
        .limit(limit)
        .fetch(DeviceRepository::toDevice);
  }

  /** One page of devices (by id) for each product, in one query. */
  public Map<UUID, List<Device>> pagesByProduct(
      UUID organizationId, Collection<UUID> productIds, int offset, int limit) {
    return pagesByProduct(organizationId, productIds, DSL.noCondition(), offset, limit);
  }

  private Map<UUID, List<Device>> pagesByProduct(
      UUID organizationId,
      Collection<UUID> productIds,
      Condition condition,
      int offset,
      int limit) {
    if (productIds.size() == 1
        && condition.equals(DSL.noCondition())
        && limit > 0
        && seesWholeOrganization()) {
      // One large product: its kept order of ids, the page read by id.
      UUID productId = productIds.iterator().next();
      Optional<DeviceOrderIndex.Window> kept =
          index.window(organizationId, productId, DeviceOrderIndex.Order.ID_ASC, offset, limit);
      if (kept.isPresent()) {
        Map<UUID, List<Device>> result = new HashMap<>();
        result.put(productId, inIdOrder(organizationId, kept.get().ids()));
        return result;
      }
    }
    if (productIds.size() == 1) {
      // One product, the usual case: an ordered walk of (product_id, id) that stops after the
      // page, instead of numbering every device of the product.
      UUID productId = productIds.iterator().next();
      Map<UUID, List<Device>> result = new HashMap<>();
      result.put(
          productId,
          limit == 0
              ? new ArrayList<>()
              : dsl.selectFrom(DEVICES)
                  .where(
                      visible(organizationId).and(DEVICES.PRODUCT_ID.eq(productId)).and(condition))
                  .orderBy(DEVICES.PRODUCT_ID, DEVICES.ID)
                  .offset(offset)
                  .limit(limit)
                  .fetch(DeviceRepository::toDevice));
      return result;
    }
    Field<Integer> position =
        DSL.rowNumber()
            .over(DSL.partitionBy(DEVICES.PRODUCT_ID).orderBy(DEVICES.ID))
            .as("position");
    Table<Record> ranked =
        dsl.select(DEVICES.asterisk(), position)
            .from(DEVICES)
            .where(visible(organizationId).and(DEVICES.PRODUCT_ID.in(productIds)).and(condition))
            .asTable("ranked");
    return pages(ranked, DEVICES.PRODUCT_ID, position, productIds, offset, limit);
  }

  /**
   * How many devices of each product report each firmware version (null for devices that never
   * reported one), the most common first, counted in PostgreSQL.
   */
  public Map<UUID, List<VersionCount>> versionCounts(
      UUID organizationId, Collection<UUID> productIds) {
    Map<UUID, List<VersionCount>> result = new HashMap<>();
    productIds.forEach(id -> result.put(id, new ArrayList<>()));
    dsl.select(DEVICES.PRODUCT_ID, DEVICES.FIRMWARE_VERSION, DSL.count())
        .from(DEVICES)
        .where(visible(organizationId).and(DEVICES.PRODUCT_ID.in(productIds)))
        .groupBy(DEVICES.PRODUCT_ID, DEVICES.FIRMWARE_VERSION)
        .orderBy(DEVICES.PRODUCT_ID, DSL.count().desc(), DEVICES.FIRMWARE_VERSION.asc().nullsLast())
        .forEach(r -> result.get(r.value1()).add(new VersionCount(r.value2(), r.value3())));
    return result;
  }

  /** How many devices of each product ended their most recent update failed; see below. */
  public Map<UUID, Integer> countFailedLastUpdate(
      UUID organizationId, Collection<UUID> productIds) {
    Map<UUID, Integer> result = new HashMap<>();
    dsl.select(DEVICES.PRODUCT_ID, DSL.count())
        .from(DEVICES)
        .where(
            visible(organizationId)
                .and(DEVICES.PRODUCT_ID.in(productIds))
                .and(failedLastUpdate(organizationId, productIds)))
        .groupBy(DEVICES.PRODUCT_ID)
        .forEach(r -> result.put(r.value1(), r.value2()));
    return result;
  }

  /** One page (by id) of each product's devices whose most recent update failed, in one query. */
  public Map<UUID, List<Device>> pagesFailedLastUpdate(
      UUID organizationId, Collection<UUID> productIds, int offset, int limit) {
    return pagesByProduct(
        organizationId, productIds, failedLastUpdate(organizationId, productIds), offset, limit);
  }

  /**
   * Devices whose most recent OTA result ended FAILED, TIMED_OUT or REJECTED. Most recent is by the
   * job, newest first, as {@code Device.updates} lists them: a device whose latest rollout is still
   * running is not counted, whatever an older rollout did to it.
   */
  private static Condition failedLastUpdate(UUID organizationId, Collection<UUID> productIds) {
    Table<?> last =
        DSL.select(OTA_RESULTS.DEVICE_ID, OTA_RESULTS.STATE)
            .distinctOn(OTA_RESULTS.DEVICE_ID)
            .from(OTA_RESULTS)
            .join(OTA_JOBS)
            .on(OTA_JOBS.ID.eq(OTA_RESULTS.JOB_ID))
            .where(
                OTA_RESULTS
                    .ORGANIZATION_ID
                    .eq(organizationId)
                    .and(OTA_JOBS.ORGANIZATION_ID.eq(organizationId))
                    .and(OTA_JOBS.PRODUCT_ID.in(productIds)))
            .orderBy(OTA_RESULTS.DEVICE_ID, OTA_JOBS.CREATED_AT.desc(), OTA_JOBS.ID.asc())
            .asTable("last_update");
    return DEVICES.ID.in(
        DSL.select(last.field(OTA_RESULTS.DEVICE_ID))
            .from(last)
            .where(last.field(OTA_RESULTS.STATE).in(FAILED_LAST_UPDATE)));
  }

  /** One page of member devices (by id) for each group, in one query. */
  public Map<UUID, List<Device>> pagesByGroup(
      UUID organizationId, Collection<UUID> groupIds, int offset, int limit) {
    Field<Integer> position =
        DSL.rowNumber()
            .over(DSL.partitionBy(DEVICE_GROUP_MEMBERS.GROUP_ID).orderBy(DEVICES.ID))
            .as("position");
    Table<Record> ranked =
        dsl.select(DEVICES.asterisk(), DEVICE_GROUP_MEMBERS.GROUP_ID, position)
            .from(DEVICE_GROUP_MEMBERS)
            .join(DEVICES)
            .on(DEVICES.ID.eq(DEVICE_GROUP_MEMBERS.DEVICE_ID))
            .where(
                DEVICE_GROUP_MEMBERS
                    .ORGANIZATION_ID
                    .eq(organizationId)
                    .and(visible(organizationId))
                    .and(DEVICE_GROUP_MEMBERS.GROUP_ID.in(groupIds)))
            .asTable("ranked");
    return pages(ranked, DEVICE_GROUP_MEMBERS.GROUP_ID, position, groupIds, offset, limit);
  }

  private Map<UUID, List<Device>> pages(
      Table<Record> ranked,
      Field<UUID> parent,
      Field<Integer> position,
      Collection<UUID> parentIds,
      int offset,
      int limit) {
    Map<UUID, List<Device>> result = new HashMap<>();
    for (UUID id : parentIds) {
      result.put(id, new ArrayList<>());
    }
    if (limit == 0) {
      return result;
    }
    Field<Integer> rankedPosition = ranked.field(position);
    Field<UUID> rankedParent = ranked.field(parent);
    dsl.selectFrom(ranked)
        .where(rankedPosition.gt(offset).and(upTo(rankedPosition, (long) offset + limit)))
        .orderBy(rankedParent, rankedPosition)
        .forEach(r -> result.get(r.get(rankedParent)).add(toDevice(r.into(DEVICES))));
    return result;
  }

  private static Condition upTo(Field<Integer> position, long end) {
    return end >= Integer.MAX_VALUE ? DSL.noCondition() : position.le((int) end);
  }

  public Set<String> existingIds(Collection<String> ids) {
    return new HashSet<>(
        dsl.select(DEVICES.ID).from(DEVICES).where(DEVICES.ID.in(ids)).fetch(DEVICES.ID));
  }

  public Set<String> idsInProduct(UUID organizationId, UUID productId, Collection<String> ids) {
    return new HashSet<>(
        dsl.select(DEVICES.ID)
            .from(DEVICES)
            .where(
                DEVICES
                    .ORGANIZATION_ID
                    .eq(organizationId)
                    .and(DEVICES.PRODUCT_ID.eq(productId))
                    .and(DEVICES.ID.in(ids)))
            .fetch(DEVICES.ID));
  }

  public int countByProduct(UUID organizationId, UUID productId) {
    return dsl.fetchCount(DEVICES, visible(organizationId).and(DEVICES.PRODUCT_ID.eq(productId)));
  }

  public void insertAll(UUID organizationId, UUID productId, List<NewDevice> devices) {
    var insert =
        dsl.insertInto(
            DEVICES,
            DEVICES.ID,
            DEVICES.ORGANIZATION_ID,
            DEVICES.PRODUCT_ID,
            DEVICES.NAME,
            DEVICES.FIRMWARE_VERSION,
            DEVICES.HARDWARE_ID,
            DEVICES.SERIAL_NUMBER);
    for (NewDevice device : devices) {
      insert =
          insert.values(
              device.id(),
              organizationId,
              productId,
              device.name(),
              device.firmwareVersion(),
              device.hardwareId(),
              device.serialNumber());
    }
    insert.execute();
  }

  /** Stores the hashed broker secrets of new devices (device id to SHA-256 hex). */
  public void insertCredentials(UUID organizationId, Map<String, String> secretHashes) {
    if (secretHashes.isEmpty()) {
      return;
    }
    var insert =
        dsl.insertInto(
            DEVICE_CREDENTIALS,
            DEVICE_CREDENTIALS.DEVICE_ID,
            DEVICE_CREDENTIALS.ORGANIZATION_ID,
            DEVICE_CREDENTIALS.SECRET_SHA256);
    for (var entry : secretHashes.entrySet()) {
      insert = insert.values(entry.getKey(), organizationId, entry.getValue());
    }
    insert.execute();
  }

  /** Replaces a device's broker secret; false when the tenant has no such device. */
  public boolean replaceCredential(UUID organizationId, String deviceId, String secretHash) {
    if (dsl.fetchCount(
            DEVICES, DEVICES.ID.eq(deviceId).and(DEVICES.ORGANIZATION_ID.eq(organizationId)))
        == 0) {
      return false;
    }
    dsl.insertInto(DEVICE_CREDENTIALS)
        .set(DEVICE_CREDENTIALS.DEVICE_ID, deviceId)
        .set(DEVICE_CREDENTIALS.ORGANIZATION_ID, organizationId)
        .set(DEVICE_CREDENTIALS.SECRET_SHA256, secretHash)
        .onConflict(DEVICE_CREDENTIALS.DEVICE_ID)
        .doUpdate()
        .set(DEVICE_CREDENTIALS.SECRET_SHA256, secretHash)
        .set(DEVICE_CREDENTIALS.ISSUED_AT, java.time.OffsetDateTime.now())
        .execute();
    return true;
  }

  public Optional<DeviceGroup> findGroup(UUID organizationId, UUID id) {
    return dsl.selectFrom(DEVICE_GROUPS)
        .where(DEVICE_GROUPS.ORGANIZATION_ID.eq(organizationId).and(DEVICE_GROUPS.ID.eq(id)))
        .fetchOptional(r -> new DeviceGroup(r.getId(), r.getProductId(), r.getName()));
  }

  public List<DeviceGroup> findGroups(UUID organizationId, Collection<UUID> ids) {
    return dsl.selectFrom(DEVICE_GROUPS)
        .where(DEVICE_GROUPS.ORGANIZATION_ID.eq(organizationId).and(DEVICE_GROUPS.ID.in(ids)))
        .fetch(r -> new DeviceGroup(r.getId(), r.getProductId(), r.getName()));
  }

  /** The sort keys of a product's groups: by name unless told otherwise. */
  public static List<SortField<?>> groupOrder(String sort) {
    return Paged.order(
        sort,
        "name",
        Paged.keys(
            Map.entry("name", DEVICE_GROUPS.NAME),
            Map.entry("createdAt", DEVICE_GROUPS.CREATED_AT)),
        DEVICE_GROUPS.ID);
  }

  /** A page of each product's groups, in one statement. */
  public Map<UUID, Page<DeviceGroup>> groupPagesOfProducts(
      UUID organizationId, Collection<UUID> productIds, Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(DEVICE_GROUPS.asterisk()),
        DEVICE_GROUPS,
        DEVICE_GROUPS.ORGANIZATION_ID.eq(organizationId),
        DEVICE_GROUPS.PRODUCT_ID,
        productIds,
        window,
        groupOrder(sort),
        r ->
            new DeviceGroup(
                r.get(DEVICE_GROUPS.ID),
                r.get(DEVICE_GROUPS.PRODUCT_ID),
                r.get(DEVICE_GROUPS.NAME)));
  }

  /** Each device's groups, by name; devices without a group are left out. */
  public Map<String, List<DeviceGroup>> groupsOfDevices(
      UUID organizationId, Collection<String> deviceIds) {
    Map<String, List<DeviceGroup>> result = new LinkedHashMap<>();
    dsl.select(
            DEVICE_GROUP_MEMBERS.DEVICE_ID,
            DEVICE_GROUPS.ID,
            DEVICE_GROUPS.PRODUCT_ID,
            DEVICE_GROUPS.NAME)
        .from(DEVICE_GROUP_MEMBERS)
        .join(DEVICE_GROUPS)
        .on(DEVICE_GROUPS.ID.eq(DEVICE_GROUP_MEMBERS.GROUP_ID))
        .where(
            DEVICE_GROUP_MEMBERS
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(AnyOf.strings(DEVICE_GROUP_MEMBERS.DEVICE_ID, deviceIds)))
        .orderBy(DEVICE_GROUP_MEMBERS.DEVICE_ID, DEVICE_GROUPS.NAME, DEVICE_GROUPS.ID)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(new DeviceGroup(r.value2(), r.value3(), r.value4())));
    return result;
  }

  /**
   * Adds the devices of the group's product that the condition keeps to the group (those already in
   * it stay); returns how many joined.
   */
  public int addMembers(UUID organizationId, DeviceGroup group, Condition devicesToAdd) {
    return dsl.insertInto(
            DEVICE_GROUP_MEMBERS,
            DEVICE_GROUP_MEMBERS.ORGANIZATION_ID,
            DEVICE_GROUP_MEMBERS.GROUP_ID,
            DEVICE_GROUP_MEMBERS.DEVICE_ID)
        .select(
            DSL.select(DSL.val(organizationId), DSL.val(group.id()), DEVICES.ID)
                .from(DEVICES)
                .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
                .and(DEVICES.PRODUCT_ID.eq(group.productId()))
                .and(devicesToAdd))
        .onConflictDoNothing()
        .execute();
  }

  /** Removes the group's members the condition keeps; returns how many left. */
  public int removeMembers(UUID organizationId, DeviceGroup group, Condition devicesToRemove) {
    return dsl.deleteFrom(DEVICE_GROUP_MEMBERS)
        .where(DEVICE_GROUP_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(group.id()))
        .and(
            DEVICE_GROUP_MEMBERS.DEVICE_ID.in(
                DSL.select(DEVICES.ID)
                    .from(DEVICES)
                    .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
                    .and(devicesToRemove)))
        .execute();
  }

  /**
   * Of these devices, those an unfinished rollout of their product targets: one that targets the
   * whole product, or a group they belong to.
   */
  public Set<String> inUnfinishedRollouts(UUID organizationId, Collection<String> deviceIds) {
    List<String> finalStatuses =
        java.util.Arrays.stream(RolloutStatus.values())
            .filter(RolloutStatus::isFinal)
            .map(Enum::name)
            .toList();
    return new java.util.TreeSet<>(
        dsl.select(DEVICES.ID)
            .from(DEVICES)
            .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
            .and(DEVICES.ID.in(deviceIds))
            .andExists(
                DSL.selectOne()
                    .from(OTA_JOBS)
                    .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId))
                    .and(OTA_JOBS.PRODUCT_ID.eq(DEVICES.PRODUCT_ID))
                    .and(OTA_JOBS.STATUS.notIn(finalStatuses))
                    .and(
                        OTA_JOBS
                            .TARGET_KIND
                            .eq("PRODUCT")
                            .or(
                                OTA_JOBS.TARGET_GROUP_ID.in(
                                    DSL.select(DEVICE_GROUP_MEMBERS.GROUP_ID)
                                        .from(DEVICE_GROUP_MEMBERS)
                                        .where(DEVICE_GROUP_MEMBERS.DEVICE_ID.eq(DEVICES.ID))))))
            .fetch(DEVICES.ID));
  }

  /**
   * Moves devices to another product: they leave their groups and their customers' mappings (both
   * belong to the old product); their rollout history stays. Returns how many moved.
   */
  public int move(UUID organizationId, Collection<String> deviceIds, UUID productId) {
    dsl.deleteFrom(DEVICE_GROUP_MEMBERS)
        .where(DEVICE_GROUP_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(DEVICE_GROUP_MEMBERS.DEVICE_ID.in(deviceIds))
        .execute();
    dsl.deleteFrom(CUSTOMER_DEVICE_MAPPINGS)
        .where(CUSTOMER_DEVICE_MAPPINGS.ORGANIZATION_ID.eq(organizationId))
        .and(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID.in(deviceIds))
        .execute();
    return dsl.update(DEVICES)
        .set(DEVICES.PRODUCT_ID, productId)
        .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
        .and(DEVICES.ID.in(deviceIds))
        .execute();
  }

  /**
   * How many devices a rollout of {@code version} to the product (or to the group, when not null)
   * targets: those not locked to another version (as the workers' targets are chosen).
   */
  public int countTargets(UUID organizationId, UUID productId, UUID groupId, String version) {
    Condition condition =
        DEVICES
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(DEVICES.PRODUCT_ID.eq(productId))
            .and(DEVICES.FIRMWARE_LOCK.isNull().or(DEVICES.FIRMWARE_LOCK.eq(version)));
    if (groupId != null) {
      condition =
          condition.and(
              DEVICES.ID.in(
                  DSL.select(DEVICE_GROUP_MEMBERS.DEVICE_ID)
                      .from(DEVICE_GROUP_MEMBERS)
                      .where(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(groupId))));
    }
    return dsl.fetchCount(DEVICES, condition);
  }

  /** Locks the device to a version (null unlocks it); false when there is no such device. */
  public boolean lock(UUID organizationId, String deviceId, String version) {
    return dsl.update(DEVICES)
            .set(DEVICES.FIRMWARE_LOCK, version)
            .set(
                DEVICES.FIRMWARE_LOCKED_AT,
                version == null
                    ? DSL.val((java.time.OffsetDateTime) null)
                    : DSL.currentOffsetDateTime())
            .where(visible(organizationId).and(DEVICES.ID.eq(deviceId)))
            .execute()
        > 0;
  }

  /** For each device that belongs to a group, its first group by name. */
  public Map<String, DeviceGroup> firstGroupOfDevices(
      UUID organizationId, Collection<String> deviceIds) {
    Map<String, DeviceGroup> result = new LinkedHashMap<>();
    groupsOfDevices(organizationId, deviceIds)
        .forEach((device, groups) -> result.put(device, groups.getFirst()));
    return result;
  }

  /**
   * The distinct firmware versions the devices a rollout would target report (the product's
   * devices, or the group's when {@code groupId} is not null); devices that reported none are left
   * out.
   */
  public List<String> versionsOfTargets(UUID organizationId, UUID productId, UUID groupId) {
    var query =
        dsl.selectDistinct(DEVICES.FIRMWARE_VERSION)
            .from(DEVICES)
            .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
            .and(DEVICES.PRODUCT_ID.eq(productId))
            .and(DEVICES.FIRMWARE_VERSION.isNotNull());
    if (groupId != null) {
      query =
          query.and(
              DEVICES.ID.in(
                  DSL.select(DEVICE_GROUP_MEMBERS.DEVICE_ID)
                      .from(DEVICE_GROUP_MEMBERS)
                      .where(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(groupId))));
    }
    return query.fetch(DEVICES.FIRMWARE_VERSION);
  }

  public boolean groupNameExists(UUID organizationId, UUID productId, String name) {
    return dsl.fetchExists(
        DEVICE_GROUPS,
        DEVICE_GROUPS
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(DEVICE_GROUPS.PRODUCT_ID.eq(productId))
            .and(DEVICE_GROUPS.NAME.eq(name)));
  }

  public DeviceGroup insertGroup(
      UUID organizationId, UUID productId, String name, Collection<String> deviceIds) {
    UUID id = UUID.randomUUID();
    dsl.insertInto(DEVICE_GROUPS)
        .set(DEVICE_GROUPS.ID, id)
        .set(DEVICE_GROUPS.ORGANIZATION_ID, organizationId)
        .set(DEVICE_GROUPS.PRODUCT_ID, productId)
        .set(DEVICE_GROUPS.NAME, name)
        .execute();
    if (!deviceIds.isEmpty()) {
      var insert =
          dsl.insertInto(
              DEVICE_GROUP_MEMBERS,
              DEVICE_GROUP_MEMBERS.ORGANIZATION_ID,
              DEVICE_GROUP_MEMBERS.GROUP_ID,
              DEVICE_GROUP_MEMBERS.DEVICE_ID);
      for (String deviceId : deviceIds) {
        insert = insert.values(organizationId, id, deviceId);
      }
      insert.execute();
    }
    return new DeviceGroup(id, productId, name);
  }

  public int countGroupMembers(UUID organizationId, UUID groupId) {
    return dsl.fetchCount(
        DEVICE_GROUP_MEMBERS,
        DEVICE_GROUP_MEMBERS
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(groupId)));
  }

  static Device toDevice(DevicesRecord r) {
    return new Device(
        r.getId(),
        r.getProductId(),
        r.getName(),
        Boolean.TRUE.equals(r.getOnline()),
        r.getLastHeard(),
        r.getLastIp(),
        r.getFirmwareVersion(),
        r.getCreatedAt(),
        r.getHardwareId(),
        r.getSerialNumber(),
        r.getNotes(),
        r.getTags() == null ? List.of() : List.of(r.getTags()),
        r.getFirmwareLock(),
        r.getInfoReportedAt() == null
            ? null
            : new DeviceInfo(
                r.getId(),
                r.getInfoPlatform(),
                r.getInfoHardware(),
                r.getInfoRadio(),
                r.getInfoBootloader(),
                r.getInfoSystem(),
                r.getInfoReportedAt()),
        r.getArtifactKinds() == null || r.getArtifactKinds().isEmpty()
            ? null
            : List.of(r.getArtifactKinds().split(",")),
        r.getSlotMode() == null
            ? null
            : new Device.Slot(r.getSlotMode(), r.getSlotSize(), r.getSlotSegment()),
        names(r.getDeltaFilters()),
        names(r.getDeltaCodecs()));
  }

  /** A list the device row keeps joined by commas; null when the device never named one. */
  private static List<String> names(String joined) {
    return joined == null ? null : joined.isEmpty() ? List.of() : List.of(joined.split(","));
  }

  /**
   * Changes what an operator records of a device; a null leaves that field as it is. Returns the
   * device as it is now, or empty when the organization has no such device.
   */
  public Optional<Device> updateDetails(UUID organizationId, String id, DeviceDetails details) {
    Map<Field<?>, Object> changes = new LinkedHashMap<>();
    if (details.name() != null) {
      changes.put(DEVICES.NAME, details.name());
    }
    if (details.hardwareId() != null) {
      changes.put(DEVICES.HARDWARE_ID, emptyAsNull(details.hardwareId()));
    }
    if (details.serialNumber() != null) {
      changes.put(DEVICES.SERIAL_NUMBER, emptyAsNull(details.serialNumber()));
    }
    if (details.notes() != null) {
      changes.put(DEVICES.NOTES, emptyAsNull(details.notes()));
    }
    if (details.tags() != null) {
      changes.put(DEVICES.TAGS, details.tags().toArray(String[]::new));
    }
    if (changes.isEmpty()) {
      return findById(organizationId, id);
    }
    return dsl.update(DEVICES)
        .set(changes)
        .where(visible(organizationId).and(DEVICES.ID.eq(id)))
        .returning()
        .fetchOptional()
        .map(DeviceRepository::toDevice);
  }

  private static String emptyAsNull(String value) {
    return value.isEmpty() ? null : value;
  }

  /**
   * What an operator records of a device: null leaves a field as it is, an empty text clears it
   * (the name cannot be cleared).
   */
  public record DeviceDetails(
      String name, String hardwareId, String serialNumber, String notes, List<String> tags) {}
}
