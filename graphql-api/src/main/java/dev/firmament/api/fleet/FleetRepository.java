package dev.firmament.api.fleet;

import static dev.firmament.sql.generated.Tables.FLEETS;
import static dev.firmament.sql.generated.Tables.FLEET_OWNERSHIPS;
import static dev.firmament.sql.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.USERS;

import dev.firmament.api.access.AccessModel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.springframework.stereotype.Repository;

/** Fleets, their ownerships and which products they hold; every method takes the organization. */
@Repository
public class FleetRepository {
  private final DSLContext dsl;

  public FleetRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  public Optional<Fleet> find(UUID organizationId, UUID id) {
    return dsl.selectFrom(FLEETS)
        .where(FLEETS.ORGANIZATION_ID.eq(organizationId).and(FLEETS.ID.eq(id)))
        .fetchOptional(
            r -> new Fleet(r.getId(), r.getName(), r.getDescription(), r.getCreatedAt()));
  }

  public List<Fleet> findByIds(UUID organizationId, Collection<UUID> ids) {
    return dsl.selectFrom(FLEETS)
        .where(FLEETS.ORGANIZATION_ID.eq(organizationId).and(FLEETS.ID.in(ids)))
        .fetch(r -> new Fleet(r.getId(), r.getName(), r.getDescription(), r.getCreatedAt()));
  }

  public int count(UUID organizationId) {
    return dsl.fetchCount(FLEETS, FLEETS.ORGANIZATION_ID.eq(organizationId));
  }

  /** The organization's fleets by name. */
  public List<Fleet> page(UUID organizationId, int offset, int limit) {
    if (limit == 0) {
      return List.of();
    }
    return dsl.selectFrom(FLEETS)
        .where(FLEETS.ORGANIZATION_ID.eq(organizationId))
        .orderBy(FLEETS.NAME, FLEETS.ID)
        .offset(offset)
        .limit(limit)
        .fetch(r -> new Fleet(r.getId(), r.getName(), r.getDescription(), r.getCreatedAt()));
  }

  public boolean nameTaken(UUID organizationId, String name, UUID except) {
    var condition = FLEETS.ORGANIZATION_ID.eq(organizationId).and(FLEETS.NAME.eq(name));
    if (except != null) {
      condition = condition.and(FLEETS.ID.ne(except));
    }
    return dsl.fetchExists(FLEETS, condition);
  }

  /** A new fleet owned by the organization. Runs in the caller's transaction. */
  public Fleet insert(UUID organizationId, String name, String description, String actor) {
    UUID id = UUID.randomUUID();
    var row =
        dsl.insertInto(FLEETS)
            .set(FLEETS.ID, id)
            .set(FLEETS.ORGANIZATION_ID, organizationId)
            .set(FLEETS.NAME, name)
            .set(FLEETS.DESCRIPTION, description)
            .returning()
            .fetchSingle();
    dsl.insertInto(FLEET_OWNERSHIPS)
        .set(FLEET_OWNERSHIPS.ID, UUID.randomUUID())
        .set(FLEET_OWNERSHIPS.ORGANIZATION_ID, organizationId)
        .set(FLEET_OWNERSHIPS.FLEET_ID, id)
        .set(FLEET_OWNERSHIPS.ROLE, "OWNER")
        .set(FLEET_OWNERSHIPS.GRANTED_BY, actor)
        .execute();
    return new Fleet(row.getId(), row.getName(), row.getDescription(), row.getCreatedAt());
  }

  public Optional<Fleet> update(UUID organizationId, UUID id, String name, String description) {
    var update = dsl.update(FLEETS).set(FLEETS.ID, FLEETS.ID);
    if (name != null) {
      update = update.set(FLEETS.NAME, name);
    }
    if (description != null) {
      update = update.set(FLEETS.DESCRIPTION, description.isEmpty() ? null : description);
    }
    return update
        .where(FLEETS.ORGANIZATION_ID.eq(organizationId).and(FLEETS.ID.eq(id)))
        .returning()
        .fetchOptional()
        .map(r -> new Fleet(r.getId(), r.getName(), r.getDescription(), r.getCreatedAt()));
  }

  /** Deletes the fleet; its products stay, without a fleet. */
  public boolean delete(UUID organizationId, UUID id) {
    return dsl.deleteFrom(FLEETS)
            .where(FLEETS.ORGANIZATION_ID.eq(organizationId).and(FLEETS.ID.eq(id)))
            .execute()
        > 0;
  }

  /** Puts products into the fleet (null: out of any fleet). */
  public int assign(UUID organizationId, Collection<UUID> productIds, UUID fleetId) {
    return dsl.update(PRODUCTS)
        .set(PRODUCTS.FLEET_ID, fleetId)
        .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.ID.in(productIds)))
        .execute();
  }

  /** Each fleet's products' ids, by name. */
  public Map<UUID, List<UUID>> productsOf(UUID organizationId, Collection<UUID> fleetIds) {
    Map<UUID, List<UUID>> result = new LinkedHashMap<>();
    dsl.select(PRODUCTS.FLEET_ID, PRODUCTS.ID)
        .from(PRODUCTS)
        .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.FLEET_ID.in(fleetIds)))
        .orderBy(PRODUCTS.NAME, PRODUCTS.ID)
        .forEach(r -> result.computeIfAbsent(r.value1(), k -> new ArrayList<>()).add(r.value2()));
    return result;
  }

  /** Each fleet's ownerships: the organization's first, then members' by email. */
  public Map<UUID, List<FleetOwnership>> ownershipsOf(
      UUID organizationId, Collection<UUID> fleetIds) {
    Map<UUID, List<FleetOwnership>> result = new LinkedHashMap<>();
    dsl.select(FLEET_OWNERSHIPS.asterisk(), USERS.asterisk())
        .from(FLEET_OWNERSHIPS)
        .leftJoin(USERS)
        .on(USERS.ID.eq(FLEET_OWNERSHIPS.USER_ID))
        .where(FLEET_OWNERSHIPS.ORGANIZATION_ID.eq(organizationId))
        .and(FLEET_OWNERSHIPS.FLEET_ID.in(fleetIds))
        .orderBy(FLEET_OWNERSHIPS.USER_ID.isNotNull(), USERS.EMAIL)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.get(FLEET_OWNERSHIPS.FLEET_ID), k -> new ArrayList<>())
                    .add(ownership(r)));
    return result;
  }

  public Optional<FleetOwnership> ownership(UUID organizationId, UUID id) {
    return dsl.select(FLEET_OWNERSHIPS.asterisk(), USERS.asterisk())
        .from(FLEET_OWNERSHIPS)
        .leftJoin(USERS)
        .on(USERS.ID.eq(FLEET_OWNERSHIPS.USER_ID))
        .where(FLEET_OWNERSHIPS.ORGANIZATION_ID.eq(organizationId))
        .and(FLEET_OWNERSHIPS.ID.eq(id))
        .fetchOptional(FleetRepository::ownership);
  }

  /** The member of the organization with this email. */
  public Optional<UUID> memberByEmail(UUID organizationId, String email) {
    return dsl.select(USERS.ID)
        .from(USERS)
        .join(ORGANIZATION_MEMBERS)
        .on(ORGANIZATION_MEMBERS.USER_ID.eq(USERS.ID))
        .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(USERS.EMAIL.equalIgnoreCase(email))
        .fetchOptional(USERS.ID);
  }

  /** Grants the member a role on the fleet, replacing the role they had. */
  public UUID grant(UUID organizationId, UUID fleetId, UUID userId, String role, String actor) {
    dsl.deleteFrom(FLEET_OWNERSHIPS)
        .where(FLEET_OWNERSHIPS.FLEET_ID.eq(fleetId).and(FLEET_OWNERSHIPS.USER_ID.eq(userId)))
        .execute();
    UUID id = UUID.randomUUID();
    dsl.insertInto(FLEET_OWNERSHIPS)
        .set(FLEET_OWNERSHIPS.ID, id)
        .set(FLEET_OWNERSHIPS.ORGANIZATION_ID, organizationId)
        .set(FLEET_OWNERSHIPS.FLEET_ID, fleetId)
        .set(FLEET_OWNERSHIPS.USER_ID, userId)
        .set(FLEET_OWNERSHIPS.ROLE, role)
        .set(FLEET_OWNERSHIPS.GRANTED_BY, actor)
        .execute();
    return id;
  }

  public boolean revoke(UUID organizationId, UUID ownershipId) {
    return dsl.deleteFrom(FLEET_OWNERSHIPS)
            .where(FLEET_OWNERSHIPS.ORGANIZATION_ID.eq(organizationId))
            .and(FLEET_OWNERSHIPS.ID.eq(ownershipId))
            .and(FLEET_OWNERSHIPS.USER_ID.isNotNull())
            .execute()
        > 0;
  }

  private static FleetOwnership ownership(Record r) {
    AccessModel.User user =
        r.get(FLEET_OWNERSHIPS.USER_ID) == null
            ? null
            : new AccessModel.User(
                r.get(USERS.ID), r.get(USERS.EMAIL), r.get(USERS.NAME), r.get(USERS.CREATED_AT));
    return new FleetOwnership(
        r.get(FLEET_OWNERSHIPS.ID),
        r.get(FLEET_OWNERSHIPS.FLEET_ID),
        user,
        r.get(FLEET_OWNERSHIPS.ROLE),
        r.get(FLEET_OWNERSHIPS.GRANTED_AT),
        r.get(FLEET_OWNERSHIPS.GRANTED_BY));
  }
}
