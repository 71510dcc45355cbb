package dev.firmament.api.tenant;

import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;

import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * The organization a request acts for: the one its credential belongs to. Services depend only on
 * {@link #organizationId()}, so every query is scoped to the caller's tenant.
 */
@Component
public class TenantResolver {
  private final DSLContext dsl;

  public TenantResolver(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** The caller's organization; {@code UNAUTHENTICATED} without a valid credential. */
  public UUID organizationId() {
    return Callers.current().organizationId();
  }

  public Organization current() {
    UUID id = organizationId();
    return dsl.select(ORGANIZATIONS.ID, ORGANIZATIONS.SLUG, ORGANIZATIONS.NAME)
        .from(ORGANIZATIONS)
        .where(ORGANIZATIONS.ID.eq(id))
        .fetchOptional(r -> new Organization(r.value1(), r.value2(), r.value3()))
        .orElseThrow(() -> ApiException.notFound("organization", id));
  }
}
