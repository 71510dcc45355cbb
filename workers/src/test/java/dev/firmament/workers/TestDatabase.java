package dev.firmament.workers;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUPS;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static dev.firmament.sql.generated.Tables.SIMS;

import dev.firmament.devstack.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL for repository tests, migrated by the project's own Flyway scripts, with the
 * rows every test needs first: an organization and a product of it.
 */
public final class TestDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final DSLContext dsl;

  private TestDatabase(EmbeddedPostgres postgres, DSLContext dsl) {
    this.postgres = postgres;
    this.dsl = dsl;
  }

  public static TestDatabase start(Path dataDir) {
    EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir, 0);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(postgres.jdbcUrl());
    ds.setUser(postgres.username());
    ds.setPassword(postgres.password());
    Flyway.configure().dataSource(ds).load().migrate();
    return new TestDatabase(postgres, DSL.using(ds, SQLDialect.POSTGRES));
  }

  public DSLContext dsl() {
    return dsl;
  }

  /** A new organization with one product (slug {@code p}); returns {organization, product}. */
  public UUID[] organizationWithProduct() {
    UUID org = UUID.randomUUID();
    UUID product = UUID.randomUUID();
    dsl.insertInto(ORGANIZATIONS)
        .set(ORGANIZATIONS.ID, org)
        .set(ORGANIZATIONS.SLUG, "org-" + org)
        .set(ORGANIZATIONS.NAME, "Org")
        .execute();
    dsl.insertInto(PRODUCTS)
        .set(PRODUCTS.ID, product)
        .set(PRODUCTS.ORGANIZATION_ID, org)
        .set(PRODUCTS.SLUG, "p")
        .set(PRODUCTS.NAME, "P")
        .execute();
    return new UUID[] {org, product};
  }

  /** A new device of {@code orgAndProduct} ({@link #organizationWithProduct}); returns its id. */
  public String device(UUID[] orgAndProduct, boolean online) {
    String id = "dev-" + UUID.randomUUID().toString().substring(0, 8);
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, id)
        .set(DEVICES.ORGANIZATION_ID, orgAndProduct[0])
        .set(DEVICES.PRODUCT_ID, orgAndProduct[1])
        .set(DEVICES.NAME, id)
        .set(DEVICES.ONLINE, online)
        .execute();
    return id;
  }

  /**
   * A new SIM of the organization in {@code deviceId} (null for none), with the given monthly cap
   * and status and unique numbers (their check digits are not the API's concern here).
   */
  public UUID sim(UUID org, String deviceId, long capBytes, String status) {
    UUID id = UUID.randomUUID();
    String digits = String.valueOf(Math.abs(id.getMostSignificantBits()));
    dsl.insertInto(SIMS)
        .set(SIMS.ID, id)
        .set(SIMS.ORGANIZATION_ID, org)
        .set(SIMS.ICCID, ("89" + digits + "0000000000000000000").substring(0, 19))
        .set(SIMS.IMSI, (digits + "000000000000000").substring(0, 15))
        .set(SIMS.CARRIER, "Acme")
        .set(SIMS.STATUS, status)
        .set(SIMS.MONTHLY_CAP_BYTES, capBytes)
        .set(SIMS.OVERAGE_POLICY, "BLOCK")
        .set(SIMS.DEVICE_ID, deviceId)
        .set(SIMS.CREATED_BY, "test")
        .execute();
    return id;
  }

  /** A firmware build of the product, version {@code version}, {@code size} bytes. */
  public UUID firmware(UUID org, UUID product, String version, long size) {
    UUID id = UUID.randomUUID();
    String sha256 = "ab".repeat(32);
    dsl.insertInto(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.ID, id)
        .set(PRODUCT_FIRMWARE.ORGANIZATION_ID, org)
        .set(PRODUCT_FIRMWARE.PRODUCT_ID, product)
        .set(PRODUCT_FIRMWARE.VERSION, version)
        .set(PRODUCT_FIRMWARE.SHA256, sha256)
        .set(PRODUCT_FIRMWARE.SIZE_BYTES, size)
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, "full/" + sha256 + "/" + id)
        .execute();
    return id;
  }

  /** A device group of the product with the given members; returns its id. */
  public UUID group(UUID org, UUID product, String name, List<String> deviceIds) {
    UUID id = UUID.randomUUID();
    dsl.insertInto(DEVICE_GROUPS)
        .set(DEVICE_GROUPS.ID, id)
        .set(DEVICE_GROUPS.ORGANIZATION_ID, org)
        .set(DEVICE_GROUPS.PRODUCT_ID, product)
        .set(DEVICE_GROUPS.NAME, name)
        .execute();
    for (String deviceId : deviceIds) {
      dsl.insertInto(DEVICE_GROUP_MEMBERS)
          .set(DEVICE_GROUP_MEMBERS.ORGANIZATION_ID, org)
          .set(DEVICE_GROUP_MEMBERS.GROUP_ID, id)
          .set(DEVICE_GROUP_MEMBERS.DEVICE_ID, deviceId)
          .execute();
    }
    return id;
  }

  /** A SCHEDULED rollout of the firmware to every device of the product. */
  public UUID job(UUID org, UUID product, UUID firmware, String targetVersion, int maxInFlight) {
    return job(org, product, firmware, targetVersion, maxInFlight, null);
  }

  /** A SCHEDULED rollout of the firmware to the group's devices, or the product's when null. */
  public UUID job(
      UUID org, UUID product, UUID firmware, String targetVersion, int maxInFlight, UUID groupId) {
    UUID id = UUID.randomUUID();
    dsl.insertInto(OTA_JOBS)
        .set(OTA_JOBS.ID, id)
        .set(OTA_JOBS.ORGANIZATION_ID, org)
        .set(OTA_JOBS.PRODUCT_ID, product)
        .set(OTA_JOBS.FIRMWARE_ID, firmware)
        .set(OTA_JOBS.TARGET_VERSION, targetVersion)
        .set(OTA_JOBS.TARGET_KIND, groupId == null ? "PRODUCT" : "GROUP")
        .set(OTA_JOBS.TARGET_GROUP_ID, groupId)
        .set(OTA_JOBS.STATUS, "SCHEDULED")
        .set(OTA_JOBS.MAX_IN_FLIGHT, maxInFlight)
        .set(OTA_JOBS.WORKFLOW_ID, "rollout/" + id)
        .execute();
    return id;
  }

  @Override
  public void close() {
    postgres.close();
  }
}
