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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL database for repository tests, migrated by the project's own Flyway scripts,
 * with the rows every test needs first: an organization and a product of it.
 *
 * <p>One PostgreSQL serves every test class of the JVM: it starts with the first class, migrates a
 * template database once, and gives each class a database of its own copied from the template
 * ({@code create database ... template}, a file copy), dropped again when the class closes it. A
 * class sees only its own rows, as with a server of its own, without an initdb, a server start and
 * the migrations per class.
 */
public final class TestDatabase implements AutoCloseable {
  private static final String TEMPLATE = "firmament_template";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres shared;

  private final String name;
  private final DSLContext dsl;

  private TestDatabase(String name, DSLContext dsl) {
    this.name = name;
    this.dsl = dsl;
  }

  /**
   * A database of its own for one test class; {@code dataDir} is unused (the server is shared and
   * lives under {@code target/}, one per test JVM), kept so that callers need not change.
   */
  public static TestDatabase start(Path dataDir) {
    EmbeddedPostgres postgres = server();
    String name = "test_" + DATABASES.incrementAndGet();
    admin(postgres, "create database " + name + " template " + TEMPLATE);
    return new TestDatabase(name, DSL.using(dataSource(postgres, name), SQLDialect.POSTGRES));
  }

  private static synchronized EmbeddedPostgres server() {
    if (shared == null) {
      // One per test JVM (the module's tests run in two).
      Path directory =
          Path.of("target", "test-postgres-" + ProcessHandle.current().pid()).toAbsolutePath();
      try {
        if (Files.exists(directory)) {
          try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot empty " + directory, e);
      }
      EmbeddedPostgres postgres = EmbeddedPostgres.start(directory, 0);
      admin(postgres, "create database " + TEMPLATE);
      Flyway.configure().dataSource(dataSource(postgres, TEMPLATE)).load().migrate();
      shared = postgres;
    }
    return shared;
  }

  private static PGSimpleDataSource dataSource(EmbeddedPostgres postgres, String database) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    String url = postgres.jdbcUrl();
    ds.setUrl(url.substring(0, url.lastIndexOf('/') + 1) + database);
    ds.setUser(postgres.username());
    ds.setPassword(postgres.password());
    return ds;
  }

  private static void admin(EmbeddedPostgres postgres, String sql) {
    try (Connection c = dataSource(postgres, "postgres").getConnection();
        Statement statement = c.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
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
    admin(server(), "drop database if exists " + name + " with (force)");
  }
}
