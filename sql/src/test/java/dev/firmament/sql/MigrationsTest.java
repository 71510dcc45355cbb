package dev.firmament.sql;

import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The migrations on a real PostgreSQL 17, and the generated classes against what they create. */
class MigrationsTest {
  private static EmbeddedPostgres postgres;
  private static DSLContext dsl;

  @BeforeAll
  static void migrate() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    Flyway.configure().dataSource(postgres.getPostgresDatabase()).load().migrate();
    dsl = DSL.using(postgres.getPostgresDatabase(), SQLDialect.POSTGRES);
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @Test
  void everyGeneratedTableExistsWithItsColumns() throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection()) {
      for (var table : dev.firmament.sql.generated.DefaultSchema.DEFAULT_SCHEMA.getTables()) {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getColumns(null, "public", table.getName(), null)) {
          while (rs.next()) {
            columns.add(rs.getString("COLUMN_NAME"));
          }
        }
        assertThat(columns)
            .as(table.getName())
            .containsExactlyInAnyOrderElementsOf(
                java.util.Arrays.stream(table.fields()).map(f -> f.getName()).toList());
      }
    }
  }

  @Test
  void everyTenantOwnedTableCarriesItsOrganization() {
    for (var table : dev.firmament.sql.generated.DefaultSchema.DEFAULT_SCHEMA.getTables()) {
      // Users are people, not tenant data: one user can be a member of several organizations.
      // The change feed's horizon is one row for the whole feed, which every tenant's rows share;
      // so are the cursors of the dispatchers that read the feed for webhooks and cloud code.
      if (table.getName().equals("organizations")
          || table.getName().equals("users")
          || table.getName().equals("change_feed_horizon")
          || table.getName().equals("webhook_dispatch")
          || table.getName().equals("cloud_code_dispatch")
          || table.getName().startsWith("flyway")) {
        continue;
      }
      assertThat(table.field("organization_id")).as(table.getName()).isNotNull();
    }
  }

  @Test
  void resultHistoryIsAppendOnly() throws Exception {
    UUID org = UUID.randomUUID();
    UUID product = UUID.randomUUID();
    UUID firmware = UUID.randomUUID();
    UUID job = UUID.randomUUID();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("insert into organizations (id, slug, name) values ('" + org + "', 'o', 'O')");
      s.execute(
          "insert into products (id, organization_id, slug, name) values ('"
              + product
              + "', '"
              + org
              + "', 'p', 'P')");
      s.execute(
          "insert into devices (id, organization_id, product_id, name) values ('d1', '"
              + org
              + "', '"
              + product
              + "', 'D1')");
      s.execute(
          "insert into product_firmware (id, organization_id, product_id, version, sha256,"
              + " size_bytes, storage_key) values ('"
              + firmware
              + "', '"
              + org
              + "', '"
              + product
              + "', '1.0', 'aa', 1, 'full/aa')");
      s.execute(
          "insert into ota_jobs (id, organization_id, product_id, firmware_id, target_version,"
              + " target_kind, status, max_in_flight, workflow_id) values ('"
              + job
              + "', '"
              + org
              + "', '"
              + product
              + "', '"
              + firmware
              + "', '1.0', 'PRODUCT', 'RUNNING', 1,"
              + " 'rollout/"
              + job
              + "')");
      s.execute(
          "insert into ota_results (organization_id, job_id, device_id, state) values ('"
              + org
              + "', '"
              + job
              + "', 'd1', 'QUEUED')");
      s.execute(
          "insert into ota_result_history (organization_id, job_id, device_id, state, attempt)"
              + " values ('"
              + org
              + "', '"
              + job
              + "', 'd1', 'QUEUED', 1)");
    }

    assertThat(dsl.fetchCount(OTA_RESULT_HISTORY)).isEqualTo(1);
    assertThatThrownBy(
            () -> dsl.update(OTA_RESULT_HISTORY).set(OTA_RESULT_HISTORY.STATE, "X").execute())
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> dsl.deleteFrom(OTA_RESULT_HISTORY).execute())
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("append-only");
    assertThat(dsl.fetchCount(OTA_RESULT_HISTORY)).isEqualTo(1);
  }

  @Test
  void aGroupJobMustNameItsGroup() throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      assertThatThrownBy(
              () ->
                  s.execute(
                      "insert into ota_jobs (id, organization_id, product_id, firmware_id,"
                          + " target_version, target_kind, status, max_in_flight, workflow_id)"
                          + " select gen_random_uuid(), organization_id, product_id, id, version,"
                          + " 'GROUP', 'SCHEDULED', 1, 'x' from product_firmware limit 1"))
          .hasMessageContaining("ota_jobs_group_target");
    }
  }
}
