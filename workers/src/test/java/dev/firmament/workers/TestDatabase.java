package dev.firmament.workers;

import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;

import dev.firmament.devstack.EmbeddedPostgres;
import java.nio.file.Path;
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

  @Override
  public void close() {
    postgres.close();
  }
}
