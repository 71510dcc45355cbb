package dev.firmament.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The migrations on the official PostgreSQL image, where a Docker engine exists. Extra coverage
 * only: {@link MigrationsTest} runs everywhere on embedded PostgreSQL binaries.
 */
@Testcontainers(disabledWithoutDocker = true)
class PostgresContainerMigrationsTest {
  @Container
  static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:17-alpine");

  @Test
  void migrationsApplyToTheOfficialImage() {
    MigrateResult result =
        Flyway.configure()
            .dataSource(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword())
            .load()
            .migrate();
    assertThat(result.success).isTrue();
    try (var dsl =
        DSL.using(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword())) {
      int tables =
          dsl.fetchCount(
              DSL.table("information_schema.tables"), DSL.field("table_schema").eq("public"));
      // Every generated table plus Flyway's own history table.
      assertThat(tables)
          .isEqualTo(
              dev.firmament.sql.generated.DefaultSchema.DEFAULT_SCHEMA.getTables().size() + 1);
    }
  }
}
