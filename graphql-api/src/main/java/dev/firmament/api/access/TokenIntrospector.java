package dev.firmament.api.access;

import dev.firmament.api.access.AccessRepository.ClientGrant;
import dev.firmament.api.access.AccessRepository.TokenGrant;
import dev.firmament.api.audit.AuditRepository;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Caller.Kind;
import dev.firmament.api.caller.CallerPrincipal;
import dev.firmament.api.caller.Role;
import dev.firmament.api.caller.Scope;
import java.time.OffsetDateTime;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;
import org.springframework.stereotype.Component;

/**
 * Resolves a bearer token to its {@link Caller} by looking up its SHA-256 in our own tables: API
 * tokens ({@code fmt_}) of members and customers, and access tokens ({@code fmo_}) issued to OAuth2
 * clients. A token that resolves to nothing valid is refused with the reason, which the client
 * reads in the 401 answer.
 *
 * <p>A member's effective scopes are the token's scopes that the member's current role still
 * grants; a customer's are at most {@code devices:read}, over the devices mapped to the customer.
 */
@Component
public class TokenIntrospector implements OpaqueTokenIntrospector {
  static final String UNKNOWN = "unknown token";
  static final String REVOKED = "token revoked";
  static final String EXPIRED = "token expired";
  static final String NOT_A_MEMBER = "the token's holder is no longer a member of its organization";

  private static final Set<Scope> CUSTOMER_SCOPES = EnumSet.of(Scope.DEVICES_READ);

  private final AccessRepository access;
  private final AuditRepository audit;
  private final GrantCache grants;

  /** Without an audit log or a cache: for tests of the rules alone. */
  public TokenIntrospector(AccessRepository access) {
    this(access, null, null);
  }

  /**
   * Refused credentials of a known organization are recorded in its audit log; grants are kept in
   * {@code grants} for a short time when it is given.
   */
  @org.springframework.beans.factory.annotation.Autowired
  public TokenIntrospector(AccessRepository access, AuditRepository audit, GrantCache grants) {
    this.access = access;
    this.audit = audit;
    this.grants = grants;
  }

  private <T> Optional<T> cached(String key, Supplier<Optional<T>> load) {
    return grants == null ? load.get() : grants.get(key, load);
  }

  /**
   * Records a refused credential in its organization's audit log, by the credential's prefix or key
   * id (never the secret). An unknown token names no organization and is not recorded.
   */
  public void refused(TokenGrant grant, String credential, String reason) {
    if (audit == null) {
      return;
    }
    audit.append(
        grant.organizationId(),
        grant.holderEmail() == null ? "unknown" : grant.holderEmail(),
        "auth.refused",
        "credential:" + credential,
        "{\"reason\":\"" + reason.replace("\"", "'") + "\"}");
  }

  @Override
  public OAuth2AuthenticatedPrincipal introspect(String token) {
    return new CallerPrincipal(resolve(token));
  }

  /** The caller a token stands for; {@link BadOpaqueTokenException} with the reason otherwise. */
  public Caller resolve(String token) {
    if (token.startsWith(Secrets.OAUTH2_TOKEN)) {
      return client(token);
    }
    if (!token.startsWith(Secrets.API_TOKEN)) {
      throw new BadOpaqueTokenException(UNKNOWN);
    }
    String sha256 = Secrets.sha256(token);
    TokenGrant grant =
        cached("token:" + sha256, () -> access.findTokenGrant(sha256))
            .orElseThrow(() -> new BadOpaqueTokenException(UNKNOWN));
    try {
      checkLive(grant.revokedAt(), grant.expiresAt());
      if (grant.customerId() == null && grant.role() == null) {
        throw new BadOpaqueTokenException(NOT_A_MEMBER);
      }
    } catch (BadOpaqueTokenException e) {
      refused(grant, Secrets.prefixOf(token), e.getMessage());
      throw e;
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    scopes.addAll(Scope.parse(grant.scopes()));
    Caller caller;
    if (grant.customerId() != null) {
      scopes.retainAll(CUSTOMER_SCOPES);
      caller =
          new Caller(
              grant.organizationId(),
              "customer:" + grant.holderEmail(),
              Kind.CUSTOMER,
              null,
              grant.customerId(),
              grant.id(),
              scopes);
    } else {
      caller = member(grant);
    }
    if (grant.lastUsedAt() == null
        || grant.lastUsedAt().isBefore(OffsetDateTime.now().minusMinutes(1))) {
      access.touch(grant.id());
      if (grants != null) {
        grants.refresh("token:" + sha256, grant.usedNow());
      }
    }
    return caller;
  }

  /**
   * The caller a member's credential (an API token or a signing key) stands for: the credential's
   * scopes that the member's current role grants. Refused when the credential is revoked or expired
   * or its holder is no longer a member.
   */
  public Caller member(TokenGrant grant) {
    checkLive(grant.revokedAt(), grant.expiresAt());
    if (grant.role() == null) {
      throw new BadOpaqueTokenException(NOT_A_MEMBER);
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    scopes.addAll(Scope.parse(grant.scopes()));
    scopes.retainAll(Role.of(grant.role()).scopes());
    return new Caller(
        grant.organizationId(),
        grant.holderEmail(),
        Kind.MEMBER,
        grant.userId(),
        null,
        grant.id(),
        scopes);
  }

  private Caller client(String token) {
    String sha256 = Secrets.sha256(token);
    ClientGrant grant =
        cached("client:" + sha256, () -> access.findClientGrant(sha256))
            .orElseThrow(() -> new BadOpaqueTokenException(UNKNOWN));
    checkLive(
        grant.clientRevokedAt() != null ? grant.clientRevokedAt() : grant.revokedAt(),
        grant.expiresAt());
    return new Caller(
        grant.organizationId(),
        "client:" + grant.clientId(),
        Kind.SERVICE,
        null,
        null,
        grant.tokenId(),
        Scope.parse(grant.scopes()));
  }

  private static void checkLive(OffsetDateTime revokedAt, OffsetDateTime expiresAt) {
    if (revokedAt != null) {
      throw new BadOpaqueTokenException(REVOKED);
    }
    if (!expiresAt.isAfter(OffsetDateTime.now())) {
      throw new BadOpaqueTokenException(EXPIRED);
    }
  }
}
