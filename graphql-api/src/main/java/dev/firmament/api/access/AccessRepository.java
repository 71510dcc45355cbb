package dev.firmament.api.access;

import static dev.firmament.sql.generated.Tables.API_SIGNING_KEYS;
import static dev.firmament.sql.generated.Tables.API_TOKENS;
import static dev.firmament.sql.generated.Tables.CUSTOMERS;
import static dev.firmament.sql.generated.Tables.CUSTOMER_DEVICE_MAPPINGS;
import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OAUTH2_CLIENTS;
import static dev.firmament.sql.generated.Tables.OAUTH2_TOKENS;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.REQUEST_NONCES;
import static dev.firmament.sql.generated.Tables.TEAMS;
import static dev.firmament.sql.generated.Tables.TEAM_MEMBERS;
import static dev.firmament.sql.generated.Tables.USERS;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.access.AccessModel.ApiToken;
import dev.firmament.api.access.AccessModel.Customer;
import dev.firmament.api.access.AccessModel.CustomerDeviceMapping;
import dev.firmament.api.access.AccessModel.OAuth2Client;
import dev.firmament.api.access.AccessModel.OrganizationMember;
import dev.firmament.api.access.AccessModel.Team;
import dev.firmament.api.access.AccessModel.TeamMember;
import dev.firmament.api.access.AccessModel.User;
import dev.firmament.api.caller.Role;
import dev.firmament.api.caller.Scope;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SelectConditionStep;
import org.jooq.SortField;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/** Users, members, teams, customers and credentials; every query names its organization. */
@Repository
public class AccessRepository {
  private final DSLContext dsl;

  public AccessRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * An API token as introspection needs it: its holder and, for a member's token, the holder's
   * current role in the token's organization (null when no longer a member).
   */
  public record TokenGrant(
      UUID id,
      UUID organizationId,
      UUID userId,
      UUID customerId,
      String holderEmail,
      String role,
      String scopes,
      OffsetDateTime expiresAt,
      OffsetDateTime revokedAt,
      OffsetDateTime lastUsedAt) {

    /** The same grant, used now. */
    public TokenGrant usedNow() {
      return new TokenGrant(
          id,
          organizationId,
          userId,
          customerId,
          holderEmail,
          role,
          scopes,
          expiresAt,
          revokedAt,
          OffsetDateTime.now());
    }
  }

  /** An OAuth2 access token with its client, as introspection needs it. */
  public record ClientGrant(
      UUID tokenId,
      UUID organizationId,
      String clientId,
      String scopes,
      OffsetDateTime expiresAt,
      OffsetDateTime revokedAt,
      OffsetDateTime clientRevokedAt) {}

  /** A client as the token endpoint needs it. */
  public record ClientCredentials(
      UUID id,
      UUID organizationId,
      String clientId,
      String secretSha256,
      String scopes,
      int tokenTtlSeconds,
      OffsetDateTime revokedAt) {}

  public Optional<TokenGrant> findTokenGrant(String tokenSha256) {
    return dsl.select(
            API_TOKENS.ID,
            API_TOKENS.ORGANIZATION_ID,
            API_TOKENS.USER_ID,
            API_TOKENS.CUSTOMER_ID,
            DSL.coalesce(USERS.EMAIL, CUSTOMERS.EMAIL),
            ORGANIZATION_MEMBERS.ROLE,
            API_TOKENS.SCOPES,
            API_TOKENS.EXPIRES_AT,
            API_TOKENS.REVOKED_AT,
            API_TOKENS.LAST_USED_AT)
        .from(API_TOKENS)
        .leftJoin(USERS)
        .on(USERS.ID.eq(API_TOKENS.USER_ID))
        .leftJoin(ORGANIZATION_MEMBERS)
        .on(
            ORGANIZATION_MEMBERS
                .ORGANIZATION_ID
                .eq(API_TOKENS.ORGANIZATION_ID)
                .and(ORGANIZATION_MEMBERS.USER_ID.eq(API_TOKENS.USER_ID)))
        .leftJoin(CUSTOMERS)
        .on(CUSTOMERS.ID.eq(API_TOKENS.CUSTOMER_ID))
        .where(API_TOKENS.TOKEN_SHA256.eq(tokenSha256))
        .fetchOptional(r -> r.into(TokenGrant.class));
  }

  /** Records a token's use, at most once a minute so that reads stay reads. */
  public void touch(UUID tokenId) {
    dsl.update(API_TOKENS)
        .set(API_TOKENS.LAST_USED_AT, DSL.currentOffsetDateTime())
        .where(API_TOKENS.ID.eq(tokenId))
        .and(
            API_TOKENS
                .LAST_USED_AT
                .isNull()
                .or(
                    API_TOKENS.LAST_USED_AT.lt(
                        DSL.field("now() - interval '1 minute'", OffsetDateTime.class))))
        .execute();
  }

  public Optional<ClientGrant> findClientGrant(String tokenSha256) {
    return dsl.select(
            OAUTH2_TOKENS.ID,
            OAUTH2_TOKENS.ORGANIZATION_ID,
            OAUTH2_CLIENTS.CLIENT_ID,
            OAUTH2_TOKENS.SCOPES,
            OAUTH2_TOKENS.EXPIRES_AT,
            OAUTH2_TOKENS.REVOKED_AT,
            OAUTH2_CLIENTS.REVOKED_AT)
        .from(OAUTH2_TOKENS)
        .join(OAUTH2_CLIENTS)
        .on(OAUTH2_CLIENTS.ID.eq(OAUTH2_TOKENS.CLIENT_ID))
        .where(OAUTH2_TOKENS.TOKEN_SHA256.eq(tokenSha256))
        .fetchOptional(r -> r.into(ClientGrant.class));
  }

  public Optional<ClientCredentials> findClient(String clientId) {
    return dsl.select(
            OAUTH2_CLIENTS.ID,
            OAUTH2_CLIENTS.ORGANIZATION_ID,
            OAUTH2_CLIENTS.CLIENT_ID,
            OAUTH2_CLIENTS.SECRET_SHA256,
            OAUTH2_CLIENTS.SCOPES,
            OAUTH2_CLIENTS.TOKEN_TTL_SECONDS,
            OAUTH2_CLIENTS.REVOKED_AT)
        .from(OAUTH2_CLIENTS)
        .where(OAUTH2_CLIENTS.CLIENT_ID.eq(clientId))
        .fetchOptional(r -> r.into(ClientCredentials.class));
  }

  // --- organizations -------------------------------------------------------------------------

  public Optional<UUID> organizationBySlug(String slug) {
    return dsl.select(ORGANIZATIONS.ID)
        .from(ORGANIZATIONS)
        .where(ORGANIZATIONS.SLUG.eq(slug))
        .fetchOptional(r -> r.value1());
  }

  /** Creates the organization when it is missing; safe to run from several processes at once. */
  public UUID ensureOrganization(String slug, String name) {
    dsl.insertInto(ORGANIZATIONS)
        .set(ORGANIZATIONS.ID, UUID.randomUUID())
        .set(ORGANIZATIONS.SLUG, slug)
        .set(ORGANIZATIONS.NAME, name)
        .onConflict(ORGANIZATIONS.SLUG)
        .doNothing()
        .execute();
    return organizationBySlug(slug).orElseThrow();
  }

  public boolean requiresSeparateApprover(UUID organizationId) {
    return Boolean.TRUE.equals(
        dsl.select(ORGANIZATIONS.REQUIRE_SEPARATE_APPROVER)
            .from(ORGANIZATIONS)
            .where(ORGANIZATIONS.ID.eq(organizationId))
            .fetchOne(r -> r.value1()));
  }

  public void setRequireSeparateApprover(UUID organizationId, boolean required) {
    dsl.update(ORGANIZATIONS)
        .set(ORGANIZATIONS.REQUIRE_SEPARATE_APPROVER, required)
        .where(ORGANIZATIONS.ID.eq(organizationId))
        .execute();
  }

  // --- users and members ---------------------------------------------------------------------

  /** The user with this email, created when missing. */
  public User ensureUser(String email, String name) {
    dsl.insertInto(USERS)
        .set(USERS.ID, UUID.randomUUID())
        .set(USERS.EMAIL, email)
        .set(USERS.NAME, name)
        .onConflict(USERS.EMAIL)
        .doNothing()
        .execute();
    return dsl.selectFrom(USERS)
        .where(USERS.EMAIL.eq(email))
        .fetchOne(r -> new User(r.getId(), r.getEmail(), r.getName(), r.getCreatedAt()));
  }

  public Optional<String> roleOf(UUID organizationId, UUID userId) {
    return dsl.select(ORGANIZATION_MEMBERS.ROLE)
        .from(ORGANIZATION_MEMBERS)
        .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(ORGANIZATION_MEMBERS.USER_ID.eq(userId))
        .fetchOptional(r -> r.value1());
  }

  public void putMember(UUID organizationId, UUID userId, String role) {
    dsl.insertInto(ORGANIZATION_MEMBERS)
        .set(ORGANIZATION_MEMBERS.ORGANIZATION_ID, organizationId)
        .set(ORGANIZATION_MEMBERS.USER_ID, userId)
        .set(ORGANIZATION_MEMBERS.ROLE, role)
        .onConflict(ORGANIZATION_MEMBERS.ORGANIZATION_ID, ORGANIZATION_MEMBERS.USER_ID)
        .doUpdate()
        .set(ORGANIZATION_MEMBERS.ROLE, role)
        .execute();
  }

  public boolean removeMember(UUID organizationId, UUID userId) {
    dsl.deleteFrom(TEAM_MEMBERS)
        .where(TEAM_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(TEAM_MEMBERS.USER_ID.eq(userId))
        .execute();
    return dsl.deleteFrom(ORGANIZATION_MEMBERS)
            .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(organizationId))
            .and(ORGANIZATION_MEMBERS.USER_ID.eq(userId))
            .execute()
        > 0;
  }

  /**
   * Locks the organization's owner rows and counts them, so that two concurrent demotions cannot
   * both see a second owner and leave none. Call inside a transaction.
   */
  public int lockOwners(UUID organizationId) {
    return dsl.select(ORGANIZATION_MEMBERS.USER_ID)
        .from(ORGANIZATION_MEMBERS)
        .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(ORGANIZATION_MEMBERS.ROLE.eq(Role.OWNER.value()))
        .forUpdate()
        .fetch()
        .size();
  }

  public List<OrganizationMember> members(UUID organizationId) {
    return membersQuery(organizationId).orderBy(USERS.EMAIL).fetch(AccessRepository::member);
  }

  /** A page of the organization's members, by {@code email}, {@code name} or {@code addedAt}. */
  public Page<OrganizationMember> members(UUID organizationId, Window window, String sort) {
    return Paged.page(
        dsl,
        membersQuery(organizationId),
        window,
        Paged.order(
            sort,
            "email",
            Paged.keys(
                Map.entry("email", USERS.EMAIL),
                Map.entry("name", USERS.NAME),
                Map.entry("addedAt", ORGANIZATION_MEMBERS.ADDED_AT)),
            USERS.ID),
        AccessRepository::member);
  }

  private SelectConditionStep<Record> membersQuery(UUID organizationId) {
    return dsl.select(USERS.asterisk(), ORGANIZATION_MEMBERS.ROLE, ORGANIZATION_MEMBERS.ADDED_AT)
        .from(ORGANIZATION_MEMBERS)
        .join(USERS)
        .on(USERS.ID.eq(ORGANIZATION_MEMBERS.USER_ID))
        .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(organizationId));
  }

  private static OrganizationMember member(Record r) {
    return new OrganizationMember(
        user(r), r.get(ORGANIZATION_MEMBERS.ROLE), r.get(ORGANIZATION_MEMBERS.ADDED_AT));
  }

  public Optional<User> memberByEmail(UUID organizationId, String email) {
    return dsl.select(USERS.asterisk())
        .from(USERS)
        .join(ORGANIZATION_MEMBERS)
        .on(ORGANIZATION_MEMBERS.USER_ID.eq(USERS.ID))
        .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(USERS.EMAIL.eq(email))
        .fetchOptional(AccessRepository::user);
  }

  public Optional<User> user(UUID userId) {
    return dsl.selectFrom(USERS)
        .where(USERS.ID.eq(userId))
        .fetchOptional(r -> new User(r.getId(), r.getEmail(), r.getName(), r.getCreatedAt()));
  }

  private static User user(Record r) {
    return new User(
        r.get(USERS.ID), r.get(USERS.EMAIL), r.get(USERS.NAME), r.get(USERS.CREATED_AT));
  }

  // --- teams ---------------------------------------------------------------------------------

  public Team createTeam(UUID organizationId, String name) {
    return dsl.insertInto(TEAMS)
        .set(TEAMS.ID, UUID.randomUUID())
        .set(TEAMS.ORGANIZATION_ID, organizationId)
        .set(TEAMS.NAME, name)
        .returning()
        .fetchOne(r -> new Team(r.getId(), r.getName(), r.getCreatedAt()));
  }

  public Optional<Team> team(UUID organizationId, UUID teamId) {
    return dsl.selectFrom(TEAMS)
        .where(TEAMS.ORGANIZATION_ID.eq(organizationId))
        .and(TEAMS.ID.eq(teamId))
        .fetchOptional(r -> new Team(r.getId(), r.getName(), r.getCreatedAt()));
  }

  /** A page of the organization's teams, by {@code name} or {@code createdAt}. */
  public Page<Team> teams(UUID organizationId, Window window, String sort) {
    return Paged.page(
        dsl,
        dsl.selectFrom(TEAMS).where(TEAMS.ORGANIZATION_ID.eq(organizationId)),
        window,
        Paged.order(
            sort,
            "name",
            Paged.keys(Map.entry("name", TEAMS.NAME), Map.entry("createdAt", TEAMS.CREATED_AT)),
            TEAMS.ID),
        r -> new Team(r.getId(), r.getName(), r.getCreatedAt()));
  }

  public void addTeamMember(UUID organizationId, UUID teamId, UUID userId) {
    dsl.insertInto(TEAM_MEMBERS)
        .set(TEAM_MEMBERS.TEAM_ID, teamId)
        .set(TEAM_MEMBERS.USER_ID, userId)
        .set(TEAM_MEMBERS.ORGANIZATION_ID, organizationId)
        .onConflictDoNothing()
        .execute();
  }

  public boolean removeTeamMember(UUID organizationId, UUID teamId, UUID userId) {
    return dsl.deleteFrom(TEAM_MEMBERS)
            .where(TEAM_MEMBERS.ORGANIZATION_ID.eq(organizationId))
            .and(TEAM_MEMBERS.TEAM_ID.eq(teamId))
            .and(TEAM_MEMBERS.USER_ID.eq(userId))
            .execute()
        > 0;
  }

  public List<TeamMember> teamMembers(UUID organizationId, UUID teamId) {
    return dsl.select(USERS.asterisk(), TEAM_MEMBERS.TEAM_ID, TEAM_MEMBERS.ADDED_AT)
        .from(TEAM_MEMBERS)
        .join(USERS)
        .on(USERS.ID.eq(TEAM_MEMBERS.USER_ID))
        .where(TEAM_MEMBERS.ORGANIZATION_ID.eq(organizationId))
        .and(TEAM_MEMBERS.TEAM_ID.eq(teamId))
        .orderBy(USERS.EMAIL)
        .fetch(
            r ->
                new TeamMember(r.get(TEAM_MEMBERS.TEAM_ID), user(r), r.get(TEAM_MEMBERS.ADDED_AT)));
  }

  /** The sort keys of a team's members: by email unless told otherwise. */
  public static List<SortField<?>> teamMemberOrder(String sort) {
    return Paged.order(
        sort,
        "email",
        Paged.keys(
            Map.entry("email", USERS.EMAIL),
            Map.entry("name", USERS.NAME),
            Map.entry("addedAt", TEAM_MEMBERS.ADDED_AT)),
        USERS.ID);
  }

  /** A page of each team's members, in one statement. */
  public Map<UUID, Page<TeamMember>> teamMemberPages(
      UUID organizationId, Collection<UUID> teamIds, Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(USERS.asterisk(), TEAM_MEMBERS.TEAM_ID, TEAM_MEMBERS.ADDED_AT),
        TEAM_MEMBERS.join(USERS).on(USERS.ID.eq(TEAM_MEMBERS.USER_ID)),
        TEAM_MEMBERS.ORGANIZATION_ID.eq(organizationId),
        TEAM_MEMBERS.TEAM_ID,
        teamIds,
        window,
        teamMemberOrder(sort),
        r -> new TeamMember(r.get(TEAM_MEMBERS.TEAM_ID), user(r), r.get(TEAM_MEMBERS.ADDED_AT)));
  }

  // --- customers -----------------------------------------------------------------------------

  public boolean productExists(UUID organizationId, UUID productId) {
    return dsl.fetchExists(
        PRODUCTS, PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.ID.eq(productId)));
  }

  /** The product of a device of the organization, if the device exists. */
  public Optional<UUID> productOfDevice(UUID organizationId, String deviceId) {
    return dsl.select(DEVICES.PRODUCT_ID)
        .from(DEVICES)
        .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
        .and(DEVICES.ID.eq(deviceId))
        .fetchOptional(r -> r.value1());
  }

  public Customer createCustomer(UUID organizationId, UUID productId, String email) {
    return dsl.insertInto(CUSTOMERS)
        .set(CUSTOMERS.ID, UUID.randomUUID())
        .set(CUSTOMERS.ORGANIZATION_ID, organizationId)
        .set(CUSTOMERS.PRODUCT_ID, productId)
        .set(CUSTOMERS.EMAIL, email)
        .returning()
        .fetchOne(r -> new Customer(r.getId(), r.getProductId(), r.getEmail(), r.getCreatedAt()));
  }

  public Optional<Customer> customer(UUID organizationId, UUID customerId) {
    return dsl.selectFrom(CUSTOMERS)
        .where(CUSTOMERS.ORGANIZATION_ID.eq(organizationId))
        .and(CUSTOMERS.ID.eq(customerId))
        .fetchOptional(
            r -> new Customer(r.getId(), r.getProductId(), r.getEmail(), r.getCreatedAt()));
  }

  /** A page of the organization's customers, by {@code email} or {@code createdAt}. */
  public Page<Customer> customers(UUID organizationId, Window window, String sort) {
    return Paged.page(
        dsl,
        dsl.selectFrom(CUSTOMERS).where(CUSTOMERS.ORGANIZATION_ID.eq(organizationId)),
        window,
        Paged.order(
            sort,
            "email",
            Paged.keys(
                Map.entry("email", CUSTOMERS.EMAIL), Map.entry("createdAt", CUSTOMERS.CREATED_AT)),
            CUSTOMERS.ID),
        r -> new Customer(r.getId(), r.getProductId(), r.getEmail(), r.getCreatedAt()));
  }

  public CustomerDeviceMapping mapDevice(UUID organizationId, UUID customerId, String deviceId) {
    dsl.insertInto(CUSTOMER_DEVICE_MAPPINGS)
        .set(CUSTOMER_DEVICE_MAPPINGS.CUSTOMER_ID, customerId)
        .set(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID, deviceId)
        .set(CUSTOMER_DEVICE_MAPPINGS.ORGANIZATION_ID, organizationId)
        .onConflictDoNothing()
        .execute();
    return dsl.selectFrom(CUSTOMER_DEVICE_MAPPINGS)
        .where(CUSTOMER_DEVICE_MAPPINGS.CUSTOMER_ID.eq(customerId))
        .and(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID.eq(deviceId))
        .fetchOne(
            r -> new CustomerDeviceMapping(r.getCustomerId(), r.getDeviceId(), r.getMappedAt()));
  }

  public boolean unmapDevice(UUID organizationId, UUID customerId, String deviceId) {
    return dsl.deleteFrom(CUSTOMER_DEVICE_MAPPINGS)
            .where(CUSTOMER_DEVICE_MAPPINGS.ORGANIZATION_ID.eq(organizationId))
            .and(CUSTOMER_DEVICE_MAPPINGS.CUSTOMER_ID.eq(customerId))
            .and(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID.eq(deviceId))
            .execute()
        > 0;
  }

  /** The sort keys of a customer's devices: by device id unless told otherwise. */
  public static List<SortField<?>> mappingOrder(String sort) {
    return Paged.order(
        sort,
        "deviceId",
        Paged.keys(
            Map.entry("deviceId", CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID),
            Map.entry("mapped", CUSTOMER_DEVICE_MAPPINGS.MAPPED_AT)),
        CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID);
  }

  /** A page of each customer's device mappings, in one statement. */
  public Map<UUID, Page<CustomerDeviceMapping>> mappingPages(
      UUID organizationId, Collection<UUID> customerIds, Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(CUSTOMER_DEVICE_MAPPINGS.asterisk()),
        CUSTOMER_DEVICE_MAPPINGS,
        CUSTOMER_DEVICE_MAPPINGS.ORGANIZATION_ID.eq(organizationId),
        CUSTOMER_DEVICE_MAPPINGS.CUSTOMER_ID,
        customerIds,
        window,
        mappingOrder(sort),
        r ->
            new CustomerDeviceMapping(
                r.get(CUSTOMER_DEVICE_MAPPINGS.CUSTOMER_ID),
                r.get(CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID),
                r.get(CUSTOMER_DEVICE_MAPPINGS.MAPPED_AT)));
  }

  // --- API tokens ----------------------------------------------------------------------------

  /** A token row to insert; exactly one of {@code userId} and {@code customerId} is set. */
  public record NewToken(
      UUID organizationId,
      UUID userId,
      UUID customerId,
      String name,
      String scopes,
      String tokenSha256,
      String tokenPrefix,
      String createdBy,
      OffsetDateTime expiresAt) {}

  public UUID insertToken(NewToken token) {
    UUID id = UUID.randomUUID();
    dsl.insertInto(API_TOKENS)
        .set(API_TOKENS.ID, id)
        .set(API_TOKENS.ORGANIZATION_ID, token.organizationId())
        .set(API_TOKENS.USER_ID, token.userId())
        .set(API_TOKENS.CUSTOMER_ID, token.customerId())
        .set(API_TOKENS.NAME, token.name())
        .set(API_TOKENS.SCOPES, token.scopes())
        .set(API_TOKENS.TOKEN_SHA256, token.tokenSha256())
        .set(API_TOKENS.TOKEN_PREFIX, token.tokenPrefix())
        .set(API_TOKENS.CREATED_BY, token.createdBy())
        .set(API_TOKENS.EXPIRES_AT, token.expiresAt())
        .execute();
    return id;
  }

  public Optional<ApiToken> token(UUID organizationId, UUID tokenId) {
    return tokens(API_TOKENS.ORGANIZATION_ID.eq(organizationId).and(API_TOKENS.ID.eq(tokenId)))
        .stream()
        .findFirst();
  }

  /** The organization's tokens, newest first; only one user's when {@code userId} is set. */
  public List<ApiToken> tokens(UUID organizationId, UUID userId) {
    var condition = API_TOKENS.ORGANIZATION_ID.eq(organizationId);
    if (userId != null) {
      condition = condition.and(API_TOKENS.USER_ID.eq(userId));
    }
    return tokens(condition);
  }

  private List<ApiToken> tokens(org.jooq.Condition condition) {
    return tokensQuery(condition)
        .orderBy(API_TOKENS.CREATED_AT.desc(), API_TOKENS.ID)
        .fetch(AccessRepository::token);
  }

  /**
   * A page of the organization's tokens (one user's when {@code userId} is set), by {@code name} or
   * {@code createdAt}; newest first unless sorted otherwise.
   */
  public Page<ApiToken> tokens(UUID organizationId, UUID userId, Window window, String sort) {
    var condition = API_TOKENS.ORGANIZATION_ID.eq(organizationId);
    if (userId != null) {
      condition = condition.and(API_TOKENS.USER_ID.eq(userId));
    }
    return Paged.page(
        dsl,
        tokensQuery(condition),
        window,
        Paged.order(
            sort,
            "-createdAt",
            Paged.keys(
                Map.entry("name", API_TOKENS.NAME), Map.entry("createdAt", API_TOKENS.CREATED_AT)),
            API_TOKENS.ID),
        AccessRepository::token);
  }

  private SelectConditionStep<Record> tokensQuery(org.jooq.Condition condition) {
    return dsl.select(
            API_TOKENS.asterisk(),
            DSL.coalesce(USERS.EMAIL, DSL.inline("customer:").concat(CUSTOMERS.EMAIL)).as("holder"))
        .from(API_TOKENS)
        .leftJoin(USERS)
        .on(USERS.ID.eq(API_TOKENS.USER_ID))
        .leftJoin(CUSTOMERS)
        .on(CUSTOMERS.ID.eq(API_TOKENS.CUSTOMER_ID))
        .where(condition);
  }

  private static ApiToken token(Record r) {
    return new ApiToken(
        r.get(API_TOKENS.ID),
        r.get(API_TOKENS.NAME),
        r.get(API_TOKENS.TOKEN_PREFIX),
        scopeList(r.get(API_TOKENS.SCOPES)),
        r.get("holder", String.class),
        r.get(API_TOKENS.CREATED_BY),
        r.get(API_TOKENS.CREATED_AT),
        r.get(API_TOKENS.EXPIRES_AT),
        r.get(API_TOKENS.REVOKED_AT),
        r.get(API_TOKENS.LAST_USED_AT));
  }

  /** The holder of a token (user id), if it is a member's token of the organization. */
  public Optional<UUID> tokenHolder(UUID organizationId, UUID tokenId) {
    return dsl.select(API_TOKENS.USER_ID)
        .from(API_TOKENS)
        .where(API_TOKENS.ORGANIZATION_ID.eq(organizationId))
        .and(API_TOKENS.ID.eq(tokenId))
        .fetchOptional(r -> r.value1());
  }

  public boolean revokeToken(UUID organizationId, UUID tokenId) {
    return dsl.update(API_TOKENS)
            .set(API_TOKENS.REVOKED_AT, DSL.currentOffsetDateTime())
            .where(API_TOKENS.ORGANIZATION_ID.eq(organizationId))
            .and(API_TOKENS.ID.eq(tokenId))
            .and(API_TOKENS.REVOKED_AT.isNull())
            .execute()
        > 0;
  }

  // --- request-signing keys ------------------------------------------------------------------

  /** A signing key as the signature check needs it, in the shape of a member's token grant. */
  public Optional<TokenGrant> findSigningKeyGrant(String keyId) {
    return dsl.select(
            API_SIGNING_KEYS.ID,
            API_SIGNING_KEYS.ORGANIZATION_ID,
            API_SIGNING_KEYS.USER_ID,
            DSL.inline((UUID) null).as("customer_id"),
            USERS.EMAIL,
            ORGANIZATION_MEMBERS.ROLE,
            API_SIGNING_KEYS.SCOPES,
            API_SIGNING_KEYS.EXPIRES_AT,
            API_SIGNING_KEYS.REVOKED_AT,
            API_SIGNING_KEYS.LAST_USED_AT)
        .from(API_SIGNING_KEYS)
        .join(USERS)
        .on(USERS.ID.eq(API_SIGNING_KEYS.USER_ID))
        .leftJoin(ORGANIZATION_MEMBERS)
        .on(
            ORGANIZATION_MEMBERS
                .ORGANIZATION_ID
                .eq(API_SIGNING_KEYS.ORGANIZATION_ID)
                .and(ORGANIZATION_MEMBERS.USER_ID.eq(API_SIGNING_KEYS.USER_ID)))
        .where(API_SIGNING_KEYS.KEY_ID.eq(keyId))
        .fetchOptional(r -> r.into(TokenGrant.class));
  }

  public void touchSigningKey(UUID id) {
    dsl.update(API_SIGNING_KEYS)
        .set(API_SIGNING_KEYS.LAST_USED_AT, DSL.currentOffsetDateTime())
        .where(API_SIGNING_KEYS.ID.eq(id))
        .and(
            API_SIGNING_KEYS
                .LAST_USED_AT
                .isNull()
                .or(
                    API_SIGNING_KEYS.LAST_USED_AT.lt(
                        DSL.field("now() - interval '1 minute'", OffsetDateTime.class))))
        .execute();
  }

  /**
   * Records a nonce of a key; false when it was seen before (a replay). Nonces older than {@code
   * keepSeconds} are forgotten on the way, since their signatures are outside the clock skew.
   */
  public boolean recordNonce(UUID organizationId, String keyId, String nonce, long keepSeconds) {
    if (Math.floorMod(nonce.hashCode(), 256) == 0) {
      dsl.deleteFrom(REQUEST_NONCES)
          .where(
              REQUEST_NONCES.SEEN_AT.lt(
                  DSL.field(
                      "now() - make_interval(secs => {0})",
                      OffsetDateTime.class, DSL.val(keepSeconds))))
          .execute();
    }
    return dsl.insertInto(REQUEST_NONCES)
            .set(REQUEST_NONCES.ORGANIZATION_ID, organizationId)
            .set(REQUEST_NONCES.KEY_ID, keyId)
            .set(REQUEST_NONCES.NONCE, nonce)
            .onConflictDoNothing()
            .execute()
        == 1;
  }

  public record NewSigningKey(
      UUID organizationId,
      UUID userId,
      String keyId,
      String name,
      String scopes,
      String createdBy,
      OffsetDateTime expiresAt) {}

  public UUID insertSigningKey(NewSigningKey key) {
    UUID id = UUID.randomUUID();
    dsl.insertInto(API_SIGNING_KEYS)
        .set(API_SIGNING_KEYS.ID, id)
        .set(API_SIGNING_KEYS.ORGANIZATION_ID, key.organizationId())
        .set(API_SIGNING_KEYS.USER_ID, key.userId())
        .set(API_SIGNING_KEYS.KEY_ID, key.keyId())
        .set(API_SIGNING_KEYS.NAME, key.name())
        .set(API_SIGNING_KEYS.SCOPES, key.scopes())
        .set(API_SIGNING_KEYS.CREATED_BY, key.createdBy())
        .set(API_SIGNING_KEYS.EXPIRES_AT, key.expiresAt())
        .execute();
    return id;
  }

  /** The organization's signing keys, newest first; one holder's when {@code userId} is set. */
  public List<AccessModel.SigningKey> signingKeys(UUID organizationId, UUID userId, UUID id) {
    var condition = signingKeysOf(organizationId, userId);
    if (id != null) {
      condition = condition.and(API_SIGNING_KEYS.ID.eq(id));
    }
    return signingKeysQuery(condition)
        .orderBy(API_SIGNING_KEYS.CREATED_AT.desc(), API_SIGNING_KEYS.ID)
        .fetch(AccessRepository::signingKey);
  }

  /**
   * A page of the organization's signing keys (one user's when {@code userId} is set), by {@code
   * name} or {@code createdAt}; newest first unless sorted otherwise.
   */
  public Page<AccessModel.SigningKey> signingKeys(
      UUID organizationId, UUID userId, Window window, String sort) {
    return Paged.page(
        dsl,
        signingKeysQuery(signingKeysOf(organizationId, userId)),
        window,
        Paged.order(
            sort,
            "-createdAt",
            Paged.keys(
                Map.entry("name", API_SIGNING_KEYS.NAME),
                Map.entry("createdAt", API_SIGNING_KEYS.CREATED_AT)),
            API_SIGNING_KEYS.ID),
        AccessRepository::signingKey);
  }

  private static org.jooq.Condition signingKeysOf(UUID organizationId, UUID userId) {
    var condition = API_SIGNING_KEYS.ORGANIZATION_ID.eq(organizationId);
    return userId == null ? condition : condition.and(API_SIGNING_KEYS.USER_ID.eq(userId));
  }

  private SelectConditionStep<Record> signingKeysQuery(org.jooq.Condition condition) {
    return dsl.select(API_SIGNING_KEYS.asterisk(), USERS.EMAIL)
        .from(API_SIGNING_KEYS)
        .join(USERS)
        .on(USERS.ID.eq(API_SIGNING_KEYS.USER_ID))
        .where(condition);
  }

  private static AccessModel.SigningKey signingKey(Record r) {
    return new AccessModel.SigningKey(
        r.get(API_SIGNING_KEYS.ID),
        r.get(API_SIGNING_KEYS.KEY_ID),
        r.get(API_SIGNING_KEYS.NAME),
        scopeList(r.get(API_SIGNING_KEYS.SCOPES)),
        r.get(USERS.EMAIL),
        r.get(API_SIGNING_KEYS.CREATED_BY),
        r.get(API_SIGNING_KEYS.CREATED_AT),
        r.get(API_SIGNING_KEYS.EXPIRES_AT),
        r.get(API_SIGNING_KEYS.REVOKED_AT),
        r.get(API_SIGNING_KEYS.LAST_USED_AT));
  }

  public boolean revokeSigningKey(UUID organizationId, UUID id) {
    return dsl.update(API_SIGNING_KEYS)
            .set(API_SIGNING_KEYS.REVOKED_AT, DSL.currentOffsetDateTime())
            .where(API_SIGNING_KEYS.ORGANIZATION_ID.eq(organizationId))
            .and(API_SIGNING_KEYS.ID.eq(id))
            .and(API_SIGNING_KEYS.REVOKED_AT.isNull())
            .execute()
        > 0;
  }

  // --- OAuth2 clients ------------------------------------------------------------------------

  public OAuth2Client insertClient(
      UUID organizationId,
      String clientId,
      String name,
      String scopes,
      String secretSha256,
      int ttlSeconds,
      String createdBy) {
    return dsl.insertInto(OAUTH2_CLIENTS)
        .set(OAUTH2_CLIENTS.ID, UUID.randomUUID())
        .set(OAUTH2_CLIENTS.ORGANIZATION_ID, organizationId)
        .set(OAUTH2_CLIENTS.CLIENT_ID, clientId)
        .set(OAUTH2_CLIENTS.NAME, name)
        .set(OAUTH2_CLIENTS.SCOPES, scopes)
        .set(OAUTH2_CLIENTS.SECRET_SHA256, secretSha256)
        .set(OAUTH2_CLIENTS.TOKEN_TTL_SECONDS, ttlSeconds)
        .set(OAUTH2_CLIENTS.CREATED_BY, createdBy)
        .returning()
        .fetchOne(AccessRepository::client);
  }

  /** A page of the organization's OAuth2 clients, by {@code name} or {@code createdAt}. */
  public Page<OAuth2Client> clients(UUID organizationId, Window window, String sort) {
    return Paged.page(
        dsl,
        dsl.selectFrom(OAUTH2_CLIENTS).where(OAUTH2_CLIENTS.ORGANIZATION_ID.eq(organizationId)),
        window,
        Paged.order(
            sort,
            "-createdAt",
            Paged.keys(
                Map.entry("name", OAUTH2_CLIENTS.NAME),
                Map.entry("createdAt", OAUTH2_CLIENTS.CREATED_AT)),
            OAUTH2_CLIENTS.ID),
        AccessRepository::client);
  }

  public Optional<OAuth2Client> client(UUID organizationId, UUID id) {
    return dsl.selectFrom(OAUTH2_CLIENTS)
        .where(OAUTH2_CLIENTS.ORGANIZATION_ID.eq(organizationId))
        .and(OAUTH2_CLIENTS.ID.eq(id))
        .fetchOptional(AccessRepository::client);
  }

  private static OAuth2Client client(
      dev.firmament.sql.generated.tables.records.Oauth2ClientsRecord r) {
    return new OAuth2Client(
        r.getId(),
        r.getClientId(),
        r.getName(),
        scopeList(r.getScopes()),
        r.getTokenTtlSeconds(),
        r.getCreatedBy(),
        r.getCreatedAt(),
        r.getRevokedAt());
  }

  /**
   * The newest 1000 access tokens issued to each of these clients of the organization, newest
   * first, by client row id, in one statement.
   */
  public Map<UUID, List<AccessModel.OAuth2Token>> clientTokens(
      UUID organizationId, Collection<UUID> clientRowIds) {
    Map<UUID, Page<AccessModel.OAuth2Token>> pages =
        Paged.pagesOf(
            dsl,
            List.<org.jooq.SelectFieldOrAsterisk>of(
                OAUTH2_TOKENS.ID,
                OAUTH2_CLIENTS.CLIENT_ID,
                OAUTH2_TOKENS.SCOPES,
                OAUTH2_TOKENS.ISSUED_AT,
                OAUTH2_TOKENS.EXPIRES_AT,
                OAUTH2_TOKENS.REVOKED_AT),
            OAUTH2_TOKENS.join(OAUTH2_CLIENTS).on(OAUTH2_CLIENTS.ID.eq(OAUTH2_TOKENS.CLIENT_ID)),
            OAUTH2_TOKENS.ORGANIZATION_ID.eq(organizationId),
            OAUTH2_TOKENS.CLIENT_ID,
            clientRowIds,
            new Window(0, 1000),
            List.<org.jooq.SortField<?>>of(OAUTH2_TOKENS.ISSUED_AT.desc(), OAUTH2_TOKENS.ID.asc()),
            r ->
                new AccessModel.OAuth2Token(
                    r.get(OAUTH2_TOKENS.ID),
                    r.get(OAUTH2_CLIENTS.CLIENT_ID),
                    scopeList(r.get(OAUTH2_TOKENS.SCOPES)),
                    r.get(OAUTH2_TOKENS.ISSUED_AT),
                    r.get(OAUTH2_TOKENS.EXPIRES_AT),
                    r.get(OAUTH2_TOKENS.REVOKED_AT)));
    Map<UUID, List<AccessModel.OAuth2Token>> result = new HashMap<>();
    pages.forEach((client, page) -> result.put(client, page.items()));
    return result;
  }

  /** Revokes the client and every token issued to it. */
  public boolean revokeClient(UUID organizationId, UUID id) {
    int changed =
        dsl.update(OAUTH2_CLIENTS)
            .set(OAUTH2_CLIENTS.REVOKED_AT, DSL.currentOffsetDateTime())
            .where(OAUTH2_CLIENTS.ORGANIZATION_ID.eq(organizationId))
            .and(OAUTH2_CLIENTS.ID.eq(id))
            .and(OAUTH2_CLIENTS.REVOKED_AT.isNull())
            .execute();
    dsl.update(OAUTH2_TOKENS)
        .set(OAUTH2_TOKENS.REVOKED_AT, DSL.currentOffsetDateTime())
        .where(OAUTH2_TOKENS.CLIENT_ID.eq(id))
        .and(OAUTH2_TOKENS.REVOKED_AT.isNull())
        .execute();
    return changed > 0;
  }

  /** Stores an access token issued to a client (its hash), unless it is already stored. */
  public void insertClientToken(
      UUID organizationId,
      UUID clientRowId,
      String scopes,
      String tokenSha256,
      OffsetDateTime issuedAt,
      OffsetDateTime expiresAt) {
    dsl.insertInto(OAUTH2_TOKENS)
        .set(OAUTH2_TOKENS.ID, UUID.randomUUID())
        .set(OAUTH2_TOKENS.ORGANIZATION_ID, organizationId)
        .set(OAUTH2_TOKENS.CLIENT_ID, clientRowId)
        .set(OAUTH2_TOKENS.SCOPES, scopes)
        .set(OAUTH2_TOKENS.TOKEN_SHA256, tokenSha256)
        .set(OAUTH2_TOKENS.ISSUED_AT, issuedAt)
        .set(OAUTH2_TOKENS.EXPIRES_AT, expiresAt)
        .onConflict(OAUTH2_TOKENS.TOKEN_SHA256)
        .doNothing()
        .execute();
  }

  public void revokeClientToken(String tokenSha256) {
    dsl.update(OAUTH2_TOKENS)
        .set(OAUTH2_TOKENS.REVOKED_AT, DSL.currentOffsetDateTime())
        .where(OAUTH2_TOKENS.TOKEN_SHA256.eq(tokenSha256))
        .and(OAUTH2_TOKENS.REVOKED_AT.isNull())
        .execute();
  }

  /** A stored client token with its issue time, for the token endpoint's revocation. */
  public record StoredClientToken(
      UUID clientRowId,
      String scopes,
      OffsetDateTime issuedAt,
      OffsetDateTime expiresAt,
      OffsetDateTime revokedAt) {}

  public Optional<StoredClientToken> clientToken(String tokenSha256) {
    return dsl.select(
            OAUTH2_TOKENS.CLIENT_ID,
            OAUTH2_TOKENS.SCOPES,
            OAUTH2_TOKENS.ISSUED_AT,
            OAUTH2_TOKENS.EXPIRES_AT,
            OAUTH2_TOKENS.REVOKED_AT)
        .from(OAUTH2_TOKENS)
        .where(OAUTH2_TOKENS.TOKEN_SHA256.eq(tokenSha256))
        .fetchOptional(r -> r.into(StoredClientToken.class));
  }

  public Optional<ClientCredentials> clientByRowId(UUID id) {
    return dsl.select(
            OAUTH2_CLIENTS.ID,
            OAUTH2_CLIENTS.ORGANIZATION_ID,
            OAUTH2_CLIENTS.CLIENT_ID,
            OAUTH2_CLIENTS.SECRET_SHA256,
            OAUTH2_CLIENTS.SCOPES,
            OAUTH2_CLIENTS.TOKEN_TTL_SECONDS,
            OAUTH2_CLIENTS.REVOKED_AT)
        .from(OAUTH2_CLIENTS)
        .where(OAUTH2_CLIENTS.ID.eq(id))
        .fetchOptional(r -> r.into(ClientCredentials.class));
  }

  /** The scope names of a stored, space-separated scope list. */
  public static List<String> scopeValues(String stored) {
    return scopeList(stored);
  }

  static List<String> scopeList(String stored) {
    return Scope.parse(stored).stream().sorted().map(Scope::value).toList();
  }
}
