package dev.firmament.api.tenant;

import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Resolves the organization a request acts for. Until authentication exists every request acts for
 * the one organization named by {@code firmament.tenant.organization}; callers depend only on
 * {@link #organizationId()}, so tokens can later resolve it per request without touching them.
 */
@Component
public class TenantResolver {
  private final DSLContext dsl;
  private final String slug;
  private volatile Organization resolved;

  public TenantResolver(
      DSLContext dsl, @Value("${firmament.tenant.organization:default}") String slug) {
    this.dsl = dsl;
    this.slug = slug;
  }

  public UUID organizationId() {
    return current().id();
  }

  public Organization current() {
    Organization organization = resolved;
    if (organization == null) {
      organization = lookup();
      if (organization == null) {
        throw new ApiException(
            ErrorCode.FAILED_PRECONDITION, "organization '" + slug + "' is not provisioned");
      }
      resolved = organization;
    }
    return organization;
  }

  /** Creates the configured organization when it is missing; safe to run from several processes. */
  public Organization ensureProvisioned() {
    dsl.insertInto(ORGANIZATIONS)
        .set(ORGANIZATIONS.ID, UUID.randomUUID())
        .set(ORGANIZATIONS.SLUG, slug)
        .set(ORGANIZATIONS.NAME, slug)
        .onConflict(ORGANIZATIONS.SLUG)
        .doNothing()
        .execute();
    return current();
  }

  private Organization lookup() {
    return dsl.select(ORGANIZATIONS.ID, ORGANIZATIONS.SLUG, ORGANIZATIONS.NAME)
        .from(ORGANIZATIONS)
        .where(ORGANIZATIONS.SLUG.eq(slug))
        .fetchOne(r -> new Organization(r.value1(), r.value2(), r.value3()));
  }
}
