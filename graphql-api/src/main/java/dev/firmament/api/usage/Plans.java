package dev.firmament.api.usage;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.ORGANIZATION_PLANS;

import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Organizations' plans (the seed's {@code Subscription}): read by the organization, set by an owner
 * ({@code members:manage}, like the organization's other settings), and the device limit held by
 * every registration (docs/connectivity.md, "Plans").
 */
@Service
public class Plans {
  static final int MAX_NAME = 64;

  private final DSLContext dsl;

  public Plans(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** The organization's plan, or {@link Plan#DEFAULT} when it has none of its own. */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Plan current(UUID organizationId) {
    return dsl.selectFrom(ORGANIZATION_PLANS)
        .where(ORGANIZATION_PLANS.ORGANIZATION_ID.eq(organizationId))
        .fetchOptional(
            r ->
                new Plan(
                    r.getName(),
                    r.getDeviceLimit(),
                    r.getDataOperationsAllowance(),
                    r.getUpdatedBy(),
                    r.getUpdatedAt()))
        .orElse(Plan.DEFAULT);
  }

  /** The devices the organization holds. */
  public int devices(UUID organizationId) {
    return dsl.fetchCount(DEVICES, DEVICES.ORGANIZATION_ID.eq(organizationId));
  }

  /**
   * Sets the caller's organization's plan; a null limit or allowance means none. Every field is
   * checked before the write. A limit below the devices held is accepted: it refuses new devices.
   */
  @PreAuthorize("hasAuthority('SCOPE_members:manage')")
  public Plan set(String name, Integer deviceLimit, Long dataOperationsAllowance) {
    Caller caller = Callers.current();
    String checkedName = name == null ? "" : name.strip();
    if (checkedName.isEmpty() || checkedName.length() > MAX_NAME) {
      throw ApiException.invalid("name must be 1 to " + MAX_NAME + " characters");
    }
    if (deviceLimit != null && deviceLimit < 0) {
      throw ApiException.invalid("deviceLimit must be 0 or more, got " + deviceLimit);
    }
    if (dataOperationsAllowance != null && dataOperationsAllowance < 0) {
      throw ApiException.invalid(
          "dataOperationsAllowance must be 0 or more, got " + dataOperationsAllowance);
    }
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    dsl.insertInto(ORGANIZATION_PLANS)
        .set(ORGANIZATION_PLANS.ORGANIZATION_ID, caller.organizationId())
        .set(ORGANIZATION_PLANS.NAME, checkedName)
        .set(ORGANIZATION_PLANS.DEVICE_LIMIT, deviceLimit)
        .set(ORGANIZATION_PLANS.DATA_OPERATIONS_ALLOWANCE, dataOperationsAllowance)
        .set(ORGANIZATION_PLANS.UPDATED_BY, caller.actor())
        .set(ORGANIZATION_PLANS.UPDATED_AT, now)
        .onConflict(ORGANIZATION_PLANS.ORGANIZATION_ID)
        .doUpdate()
        .set(ORGANIZATION_PLANS.NAME, checkedName)
        .set(ORGANIZATION_PLANS.DEVICE_LIMIT, deviceLimit)
        .set(ORGANIZATION_PLANS.DATA_OPERATIONS_ALLOWANCE, dataOperationsAllowance)
        .set(ORGANIZATION_PLANS.UPDATED_BY, caller.actor())
        .set(ORGANIZATION_PLANS.UPDATED_AT, now)
        .execute();
    return new Plan(checkedName, deviceLimit, dataOperationsAllowance, caller.actor(), now);
  }

  /**
   * Holds the device limit for {@code adding} new devices of the organization; call it in the
   * transaction that inserts them. It locks the organization's plan row until that transaction
   * ends, so of two registrations that would both take the last places one waits for the other and
   * then counts its devices: they cannot both pass. Without a plan row (the default plan, no limit)
   * nothing is locked.
   *
   * @throws ApiException FAILED_PRECONDITION past the limit
   */
  @Transactional(propagation = org.springframework.transaction.annotation.Propagation.MANDATORY)
  public void holdDeviceLimit(UUID organizationId, int adding) {
    var plan =
        dsl.select(ORGANIZATION_PLANS.DEVICE_LIMIT)
            .from(ORGANIZATION_PLANS)
            .where(ORGANIZATION_PLANS.ORGANIZATION_ID.eq(organizationId))
            .forUpdate()
            .fetchOptional();
    if (plan.isEmpty() || plan.get().value1() == null) {
      return;
    }
    DeviceLimit.check(plan.get().value1(), devices(organizationId), adding);
  }
}
