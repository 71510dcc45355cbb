package dev.firmament.api.release;

import static dev.firmament.sql.generated.Tables.FIRMWARE_RELEASES;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/** Released firmware per product and per group, and the version each device is meant to run. */
@Repository
public class ReleaseRepository {
  private final DSLContext dsl;

  public ReleaseRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Makes the firmware the product's release (group null) or the group's, replacing the one before.
   * Runs in the caller's transaction.
   */
  public void release(
      UUID organizationId, UUID productId, UUID groupId, UUID firmwareId, String actor) {
    withdraw(organizationId, productId, groupId);
    dsl.insertInto(FIRMWARE_RELEASES)
        .set(FIRMWARE_RELEASES.ID, UUID.randomUUID())
        .set(FIRMWARE_RELEASES.ORGANIZATION_ID, organizationId)
        .set(FIRMWARE_RELEASES.PRODUCT_ID, productId)
        .set(FIRMWARE_RELEASES.GROUP_ID, groupId)
        .set(FIRMWARE_RELEASES.FIRMWARE_ID, firmwareId)
        .set(FIRMWARE_RELEASES.RELEASED_BY, actor)
        .execute();
  }

  /** Withdraws the product's release (group null) or the group's; false when there was none. */
  public boolean withdraw(UUID organizationId, UUID productId, UUID groupId) {
    return dsl.deleteFrom(FIRMWARE_RELEASES)
            .where(scope(organizationId, productId, groupId))
            .execute()
        > 0;
  }

  /** The firmware released to each product as a whole. */
  public Map<UUID, UUID> ofProducts(UUID organizationId, Collection<UUID> productIds) {
    Map<UUID, UUID> result = new HashMap<>();
    dsl.select(FIRMWARE_RELEASES.PRODUCT_ID, FIRMWARE_RELEASES.FIRMWARE_ID)
        .from(FIRMWARE_RELEASES)
        .where(FIRMWARE_RELEASES.ORGANIZATION_ID.eq(organizationId))
        .and(FIRMWARE_RELEASES.PRODUCT_ID.in(productIds))
        .and(FIRMWARE_RELEASES.GROUP_ID.isNull())
        .forEach(r -> result.put(r.value1(), r.value2()));
    return result;
  }

  /** The firmware released to each group. */
  public Map<UUID, UUID> ofGroups(UUID organizationId, Collection<UUID> groupIds) {
    Map<UUID, UUID> result = new HashMap<>();
    dsl.select(FIRMWARE_RELEASES.GROUP_ID, FIRMWARE_RELEASES.FIRMWARE_ID)
        .from(FIRMWARE_RELEASES)
        .where(FIRMWARE_RELEASES.ORGANIZATION_ID.eq(organizationId))
        .and(FIRMWARE_RELEASES.GROUP_ID.in(groupIds))
        .forEach(r -> result.put(r.value1(), r.value2()));
    return result;
  }

  /**
   * The version each device is meant to run: its lock, else the release of its first group (by
   * name) that has one, else its product's release; devices with none are left out.
   */
  public Map<String, String> targetVersions(UUID organizationId, Collection<String> deviceIds) {
    Map<String, String> result = new HashMap<>();
    dsl.resultQuery(
            "select d.id, coalesce(d.firmware_lock,"
                + " (select pf.version from device_group_members m"
                + " join device_groups g on g.id = m.group_id"
                + " join firmware_releases r on r.group_id = g.id"
                + " join product_firmware pf on pf.id = r.firmware_id"
                + " where m.device_id = d.id order by g.name, g.id limit 1),"
                + " (select pf.version from firmware_releases r"
                + " join product_firmware pf on pf.id = r.firmware_id"
                + " where r.product_id = d.product_id and r.group_id is null)) as target"
                + " from devices d where d.organization_id = ? and d.id = any(?)",
            organizationId,
            deviceIds.toArray(String[]::new))
        .forEach(
            r -> {
              String target = r.get(1, String.class);
              if (target != null) {
                result.put(r.get(0, String.class), target);
              }
            });
    return result;
  }

  private static Condition scope(UUID organizationId, UUID productId, UUID groupId) {
    Condition c =
        FIRMWARE_RELEASES
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(FIRMWARE_RELEASES.PRODUCT_ID.eq(productId));
    return groupId == null
        ? c.and(FIRMWARE_RELEASES.GROUP_ID.isNull())
        : c.and(FIRMWARE_RELEASES.GROUP_ID.eq(groupId));
  }
}
