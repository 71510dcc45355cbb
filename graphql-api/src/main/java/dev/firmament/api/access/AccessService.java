package dev.firmament.api.access;

import dev.firmament.api.Ids;
import dev.firmament.api.Page;
import dev.firmament.api.Paged.ChildPage;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.access.AccessModel.ApiToken;
import dev.firmament.api.access.AccessModel.Customer;
import dev.firmament.api.access.AccessModel.CustomerDeviceMapping;
import dev.firmament.api.access.AccessModel.IssuedClient;
import dev.firmament.api.access.AccessModel.IssuedToken;
import dev.firmament.api.access.AccessModel.OAuth2Client;
import dev.firmament.api.access.AccessModel.OrganizationMember;
import dev.firmament.api.access.AccessModel.Team;
import dev.firmament.api.access.AccessModel.TeamMember;
import dev.firmament.api.access.AccessModel.User;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.caller.Role;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Members, teams, customers and credentials of the caller's organization. The scope each operation
 * needs is declared with method security; the rules a scope alone cannot express (no one grants
 * more than they hold, an organization keeps an owner, a member revokes only their own tokens
 * without {@code tokens:manage}) are checked here.
 */
@Service
public class AccessService {
  static final int DEFAULT_EXPIRY_DAYS = 90;
  static final int MAX_EXPIRY_DAYS = 365;
  private static final int MAX_NAME = 100;
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}");

  private final AccessRepository access;
  private final RequestSigningKeys signingKeys;

  public AccessService(AccessRepository access, RequestSigningKeys signingKeys) {
    this.access = access;
    this.signingKeys = signingKeys;
  }

  // --- API tokens ----------------------------------------------------------------------------

  /**
   * A new token for the calling member. Without scopes it gets the caller's own; with scopes they
   * must be among the caller's, so a token never holds more than the credential that made it.
   */
  @PreAuthorize("isAuthenticated()")
  public IssuedToken createApiToken(String name, List<String> scopes, Integer expiresInDays) {
    Caller caller = Callers.current();
    if (caller.kind() != Caller.Kind.MEMBER) {
      throw new ApiException(ErrorCode.FORBIDDEN, "only members hold API tokens");
    }
    Set<Scope> requested =
        scopes == null || scopes.isEmpty() ? caller.scopes() : Scope.parse(scopes);
    requireHeld(caller, requested);
    return issue(
        caller.organizationId(),
        caller.userId(),
        null,
        validName(name),
        requested,
        caller.actor(),
        expiry(expiresInDays));
  }

  /** A token for an end customer of a product; it reads only the devices mapped to them. */
  @PreAuthorize("hasAuthority('SCOPE_tokens:manage')")
  public IssuedToken createCustomerToken(String customerId, String name, Integer expiresInDays) {
    Caller caller = Callers.current();
    Customer customer = requireCustomer(caller, customerId);
    return issue(
        caller.organizationId(),
        null,
        customer.id(),
        validName(name),
        EnumSet.of(Scope.DEVICES_READ),
        caller.actor(),
        expiry(expiresInDays));
  }

  /**
   * A token for a member, bypassing the caller checks: for bootstrapping an organization's first
   * owner and for tests. Not reachable through the API.
   */
  public IssuedToken issueForMember(
      UUID organizationId, UUID userId, String name, Set<Scope> scopes, int days, String by) {
    return issue(organizationId, userId, null, name, scopes, by, expiry(days));
  }

  private IssuedToken issue(
      UUID organizationId,
      UUID userId,
      UUID customerId,
      String name,
      Set<Scope> scopes,
      String createdBy,
      OffsetDateTime expiresAt) {
    String secret = Secrets.generate(Secrets.API_TOKEN);
    UUID id =
        access.insertToken(
            new AccessRepository.NewToken(
                organizationId,
                userId,
                customerId,
                name,
                Scope.format(scopes),
                Secrets.sha256(secret),
                Secrets.prefixOf(secret),
                createdBy,
                expiresAt));
    return new IssuedToken(access.token(organizationId, id).orElseThrow(), secret);
  }

  /** Revokes a token: the caller's own, or any of the organization's with {@code tokens:manage}. */
  @PreAuthorize("isAuthenticated()")
  public ApiToken revokeApiToken(String tokenId) {
    Caller caller = Callers.current();
    UUID id = Ids.parse(tokenId).orElseThrow(() -> ApiException.notFound("API token", tokenId));
    UUID holder = access.tokenHolder(caller.organizationId(), id).orElse(null);
    ApiToken token =
        access
            .token(caller.organizationId(), id)
            .orElseThrow(() -> ApiException.notFound("API token", tokenId));
    boolean own = holder != null && holder.equals(caller.userId());
    if (!own && !caller.has(Scope.TOKENS_MANAGE)) {
      throw new ApiException(
          ErrorCode.FORBIDDEN, "revoking another holder's token requires scope tokens:manage");
    }
    access.revokeToken(caller.organizationId(), id);
    return access.token(caller.organizationId(), token.id()).orElseThrow();
  }

  /** Every token of the organization with {@code tokens:manage}; the caller's own otherwise. */
  @PreAuthorize("isAuthenticated()")
  public Page<ApiToken> apiTokens(Window window, String sort) {
    Caller caller = Callers.current();
    if (caller.has(Scope.TOKENS_MANAGE)) {
      return access.tokens(caller.organizationId(), null, window, sort);
    }
    if (caller.userId() == null) {
      return Page.of(window.offset(), 0, List.of());
    }
    return access.tokens(caller.organizationId(), caller.userId(), window, sort);
  }

  // --- request-signing keys ------------------------------------------------------------------

  /**
   * A key for the calling member to sign requests with (RFC 9421, hmac-sha256), for CI that should
   * not hold a bearer token. Its scopes, like a token's, must be among the caller's.
   */
  @PreAuthorize("isAuthenticated()")
  public AccessModel.IssuedSigningKey createSigningKey(
      String name, List<String> scopes, Integer expiresInDays) {
    Caller caller = Callers.current();
    if (caller.kind() != Caller.Kind.MEMBER) {
      throw new ApiException(ErrorCode.FORBIDDEN, "only members hold signing keys");
    }
    if (!signingKeys.configured()) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "request signing is not configured on this server"
              + " (firmament.security.request-signing-key)");
    }
    Set<Scope> requested =
        scopes == null || scopes.isEmpty() ? caller.scopes() : Scope.parse(scopes);
    requireHeld(caller, requested);
    String keyId = "fmk_" + UUID.randomUUID().toString().replace("-", "");
    UUID id =
        access.insertSigningKey(
            new AccessRepository.NewSigningKey(
                caller.organizationId(),
                caller.userId(),
                keyId,
                validName(name),
                Scope.format(requested),
                caller.actor(),
                expiry(expiresInDays)));
    AccessModel.SigningKey key = access.signingKeys(caller.organizationId(), null, id).getFirst();
    return new AccessModel.IssuedSigningKey(key, signingKeys.secretFor(keyId));
  }

  /** Revokes a signing key: the caller's own, or any with {@code tokens:manage}. */
  @PreAuthorize("isAuthenticated()")
  public AccessModel.SigningKey revokeSigningKey(String id) {
    Caller caller = Callers.current();
    UUID uuid = Ids.parse(id).orElseThrow(() -> ApiException.notFound("signing key", id));
    AccessModel.SigningKey key =
        access.signingKeys(caller.organizationId(), null, uuid).stream()
            .findFirst()
            .orElseThrow(() -> ApiException.notFound("signing key", id));
    boolean own = caller.kind() == Caller.Kind.MEMBER && key.holder().equals(caller.actor());
    if (!own && !caller.has(Scope.TOKENS_MANAGE)) {
      throw new ApiException(
          ErrorCode.FORBIDDEN, "revoking another holder's key requires scope tokens:manage");
    }
    access.revokeSigningKey(caller.organizationId(), uuid);
    return access.signingKeys(caller.organizationId(), null, uuid).getFirst();
  }

  /**
   * Every signing key of the organization with {@code tokens:manage}; the caller's own otherwise.
   */
  @PreAuthorize("isAuthenticated()")
  public Page<AccessModel.SigningKey> signingKeys(Window window, String sort) {
    Caller caller = Callers.current();
    if (caller.has(Scope.TOKENS_MANAGE)) {
      return access.signingKeys(caller.organizationId(), null, window, sort);
    }
    if (caller.userId() == null) {
      return Page.of(window.offset(), 0, List.of());
    }
    return access.signingKeys(caller.organizationId(), caller.userId(), window, sort);
  }

  // --- OAuth2 clients ------------------------------------------------------------------------

  @PreAuthorize("hasAuthority('SCOPE_tokens:manage')")
  public IssuedClient createOAuth2Client(
      String name, List<String> scopes, Integer tokenTtlSeconds) {
    Caller caller = Callers.current();
    if (scopes == null || scopes.isEmpty()) {
      throw ApiException.invalid("a client needs at least one scope");
    }
    Set<Scope> requested = Scope.parse(scopes);
    requireHeld(caller, requested);
    int ttl = tokenTtlSeconds == null ? 3600 : tokenTtlSeconds;
    if (ttl < 60 || ttl > 86400) {
      throw ApiException.invalid("tokenTtlSeconds must be between 60 and 86400");
    }
    String clientId = "fmcl_" + UUID.randomUUID().toString().replace("-", "");
    String secret = Secrets.generate(Secrets.CLIENT_SECRET);
    OAuth2Client client =
        access.insertClient(
            caller.organizationId(),
            clientId,
            validName(name),
            Scope.format(requested),
            Secrets.sha256(secret),
            ttl,
            caller.actor());
    return new IssuedClient(client, secret);
  }

  @PreAuthorize("hasAuthority('SCOPE_tokens:manage')")
  @Transactional
  public OAuth2Client revokeOAuth2Client(String id) {
    Caller caller = Callers.current();
    UUID uuid = Ids.parse(id).orElseThrow(() -> ApiException.notFound("OAuth2 client", id));
    access
        .client(caller.organizationId(), uuid)
        .orElseThrow(() -> ApiException.notFound("OAuth2 client", id));
    access.revokeClient(caller.organizationId(), uuid);
    return access.client(caller.organizationId(), uuid).orElseThrow();
  }

  /** The newest 1000 access tokens issued to each client (never their secrets), by client. */
  @PreAuthorize("hasAuthority('SCOPE_tokens:manage')")
  public Map<UUID, List<AccessModel.OAuth2Token>> oauth2Tokens(Collection<UUID> clientRowIds) {
    return access.clientTokens(Callers.current().organizationId(), clientRowIds);
  }

  @PreAuthorize("hasAuthority('SCOPE_tokens:manage')")
  public Page<OAuth2Client> oauth2Clients(Window window, String sort) {
    return access.clients(Callers.current().organizationId(), window, sort);
  }

  // --- members -------------------------------------------------------------------------------

  /**
   * Adds a member or changes a member's role. Nobody grants a role with scopes they do not hold,
   * and the organization always keeps an owner.
   */
  @PreAuthorize("hasAuthority('SCOPE_members:manage')")
  @Transactional
  public OrganizationMember putMember(String email, String name, String roleName) {
    Caller caller = Callers.current();
    Role role = Role.of(roleName);
    requireHeld(caller, role.scopes());
    String validEmail = validEmail(email);
    User user =
        access.ensureUser(validEmail, name == null || name.isBlank() ? validEmail : name.strip());
    String previous = access.roleOf(caller.organizationId(), user.id()).orElse(null);
    if (Role.OWNER.value().equals(previous)
        && role != Role.OWNER
        && access.lockOwners(caller.organizationId()) <= 1) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION, "the organization's last owner cannot be demoted");
    }
    access.putMember(caller.organizationId(), user.id(), role.value());
    return member(caller.organizationId(), user.id());
  }

  @PreAuthorize("hasAuthority('SCOPE_members:manage')")
  @Transactional
  public User removeMember(String email) {
    Caller caller = Callers.current();
    User user = requireMember(caller, email);
    String role = access.roleOf(caller.organizationId(), user.id()).orElseThrow();
    if (Role.OWNER.value().equals(role) && access.lockOwners(caller.organizationId()) <= 1) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION, "the organization's last owner cannot be removed");
    }
    if (!Role.of(role).scopes().stream().allMatch(caller::has)) {
      throw new ApiException(
          ErrorCode.FORBIDDEN, "removing a " + role + " requires every scope that role grants");
    }
    access.removeMember(caller.organizationId(), user.id());
    return user;
  }

  @PreAuthorize("hasAnyAuthority('SCOPE_members:manage', 'SCOPE_audit:read')")
  public Page<OrganizationMember> members(Window window, String sort) {
    return access.members(Callers.current().organizationId(), window, sort);
  }

  @PreAuthorize("hasAuthority('SCOPE_members:manage')")
  public boolean setRequireSeparateApprover(boolean required) {
    access.setRequireSeparateApprover(Callers.current().organizationId(), required);
    return required;
  }

  public boolean requiresSeparateApprover(UUID organizationId) {
    return access.requiresSeparateApprover(organizationId);
  }

  private OrganizationMember member(UUID organizationId, UUID userId) {
    return access.members(organizationId).stream()
        .filter(m -> m.user().id().equals(userId))
        .findFirst()
        .orElseThrow();
  }

  // --- teams ---------------------------------------------------------------------------------

  @PreAuthorize("hasAuthority('SCOPE_members:manage')")
  public Team createTeam(String name) {
    Caller caller = Callers.current();
    try {
      return access.createTeam(caller.organizationId(), validName(name));
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(ErrorCode.ALREADY_EXISTS, "a team named '" + name + "' exists", e);
      }
      throw e;
    }
  }

  @PreAuthorize("hasAuthority('SCOPE_members:manage')")
  public TeamMember addTeamMember(String teamId, String email) {
    Caller caller = Callers.current();
    Team team = requireTeam(caller, teamId);
    User user = requireMember(caller, email);
    access.addTeamMember(caller.organizationId(), team.id(), user.id());
    return access.teamMembers(caller.organizationId(), team.id()).stream()
        .filter(m -> m.user().id().equals(user.id()))
        .findFirst()
        .orElseThrow();
  }

  @PreAuthorize("hasAuthority('SCOPE_members:manage')")
  public boolean removeTeamMember(String teamId, String email) {
    Caller caller = Callers.current();
    Team team = requireTeam(caller, teamId);
    User user = requireMember(caller, email);
    return access.removeTeamMember(caller.organizationId(), team.id(), user.id());
  }

  @PreAuthorize("hasAnyAuthority('SCOPE_members:manage', 'SCOPE_audit:read')")
  public Page<Team> teams(Window window, String sort) {
    return access.teams(Callers.current().organizationId(), window, sort);
  }

  /** What to load for a page of a team's members, once the caller may read it. */
  @PreAuthorize("hasAnyAuthority('SCOPE_members:manage', 'SCOPE_audit:read')")
  public ChildPage<UUID> teamMemberPage(UUID teamId, Window window, String sort) {
    AccessRepository.teamMemberOrder(sort);
    return new ChildPage<>(Callers.current().organizationId(), teamId, window, sort);
  }

  private User requireMember(Caller caller, String email) {
    return access
        .memberByEmail(caller.organizationId(), email)
        .orElseThrow(() -> ApiException.notFound("member", email));
  }

  private Team requireTeam(Caller caller, String teamId) {
    return Ids.parse(teamId)
        .flatMap(id -> access.team(caller.organizationId(), id))
        .orElseThrow(() -> ApiException.notFound("team", teamId));
  }

  // --- customers -----------------------------------------------------------------------------

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Customer createCustomer(String productId, String email) {
    Caller caller = Callers.current();
    UUID product =
        Ids.parse(productId)
            .filter(id -> access.productExists(caller.organizationId(), id))
            .orElseThrow(() -> ApiException.notFound("product", productId));
    try {
      return access.createCustomer(caller.organizationId(), product, validEmail(email));
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS, "the product has a customer '" + email + "'", e);
      }
      throw e;
    }
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Page<Customer> customers(Window window, String sort) {
    Caller caller = Callers.current();
    if (caller.isCustomer()) {
      throw new ApiException(ErrorCode.FORBIDDEN, "customers cannot list customers");
    }
    return access.customers(caller.organizationId(), window, sort);
  }

  /** What to load for a page of a customer's devices, once the caller may read it. */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public ChildPage<UUID> mappingPage(UUID customerId, Window window, String sort) {
    AccessRepository.mappingOrder(sort);
    return new ChildPage<>(Callers.current().organizationId(), customerId, window, sort);
  }

  /** Maps a device to a customer; the device must belong to the customer's product. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public CustomerDeviceMapping mapDevice(String customerId, String deviceId) {
    Caller caller = Callers.current();
    Customer customer = requireCustomer(caller, customerId);
    UUID product =
        access
            .productOfDevice(caller.organizationId(), deviceId)
            .orElseThrow(() -> ApiException.notFound("device", deviceId));
    if (!product.equals(customer.productId())) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "device " + deviceId + " is not a device of the customer's product");
    }
    return access.mapDevice(caller.organizationId(), customer.id(), deviceId);
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public boolean unmapDevice(String customerId, String deviceId) {
    Caller caller = Callers.current();
    Customer customer = requireCustomer(caller, customerId);
    return access.unmapDevice(caller.organizationId(), customer.id(), deviceId);
  }

  private Customer requireCustomer(Caller caller, String customerId) {
    return Ids.parse(customerId)
        .flatMap(id -> access.customer(caller.organizationId(), id))
        .orElseThrow(() -> ApiException.notFound("customer", customerId));
  }

  // --- rules ---------------------------------------------------------------------------------

  private static void requireHeld(Caller caller, Set<Scope> requested) {
    for (Scope scope : requested) {
      if (!caller.has(scope)) {
        throw new ApiException(
            ErrorCode.FORBIDDEN,
            "cannot grant scope " + scope.value() + ", which the caller does not hold");
      }
    }
  }

  private static String validName(String name) {
    String trimmed = name == null ? "" : name.strip();
    if (trimmed.isEmpty() || trimmed.length() > MAX_NAME) {
      throw ApiException.invalid("name must be 1 to " + MAX_NAME + " characters");
    }
    return trimmed;
  }

  private static String validEmail(String email) {
    if (email == null || !EMAIL.matcher(email.strip()).matches()) {
      throw ApiException.invalid("email must look like name@domain");
    }
    return email.strip().toLowerCase(java.util.Locale.ROOT);
  }

  private static OffsetDateTime expiry(Integer days) {
    int d = days == null ? DEFAULT_EXPIRY_DAYS : days;
    if (d < 1 || d > MAX_EXPIRY_DAYS) {
      throw ApiException.invalid("expiresInDays must be between 1 and " + MAX_EXPIRY_DAYS);
    }
    return OffsetDateTime.now(ZoneOffset.UTC).plusDays(d);
  }
}
