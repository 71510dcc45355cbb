package dev.firmament.api.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.firmament.api.access.AccessRepository.ClientGrant;
import dev.firmament.api.access.AccessRepository.TokenGrant;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Scope;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;

/** How a token becomes a caller: each refusal with its reason, and the scopes a caller keeps. */
class TokenIntrospectorTest {
  private static final UUID ORG = UUID.randomUUID();
  private static final UUID USER = UUID.randomUUID();
  private static final UUID TOKEN = UUID.randomUUID();
  private final AccessRepository access = mock(AccessRepository.class);
  private final TokenIntrospector introspector = new TokenIntrospector(access);

  private static TokenGrant member(
      String role, String scopes, OffsetDateTime expires, OffsetDateTime revoked) {
    return new TokenGrant(
        TOKEN, ORG, USER, null, "m@example.test", role, scopes, expires, revoked, null);
  }

  private Caller resolve(TokenGrant grant) {
    String token = "fmt_token";
    when(access.findTokenGrant(Secrets.sha256(token))).thenReturn(Optional.of(grant));
    return introspector.resolve(token);
  }

  private static OffsetDateTime inOneHour() {
    return OffsetDateTime.now().plusHours(1);
  }

  @Test
  void aMembersTokenKeepsOnlyTheScopesTheRoleStillGrants() {
    Caller caller =
        resolve(member("auditor", "devices:read audit:read firmware:write", inOneHour(), null));

    assertThat(caller.kind()).isEqualTo(Caller.Kind.MEMBER);
    assertThat(caller.actor()).isEqualTo("m@example.test");
    assertThat(caller.organizationId()).isEqualTo(ORG);
    assertThat(caller.userId()).isEqualTo(USER);
    assertThat(caller.credentialId()).isEqualTo(TOKEN);
    assertThat(caller.scopes()).containsExactlyInAnyOrder(Scope.DEVICES_READ, Scope.AUDIT_READ);
    verify(access).touch(TOKEN);
  }

  @Test
  void aRecentlyUsedTokenIsNotWrittenAgain() {
    TokenGrant grant =
        new TokenGrant(
            TOKEN,
            ORG,
            USER,
            null,
            "m@example.test",
            "owner",
            "devices:read",
            inOneHour(),
            null,
            OffsetDateTime.now().minusSeconds(10));
    resolve(grant);
    verify(access, never()).touch(any());
  }

  @Test
  void aCustomersTokenReadsDevicesAtMost() {
    UUID customer = UUID.randomUUID();
    Caller caller =
        resolve(
            new TokenGrant(
                TOKEN,
                ORG,
                null,
                customer,
                "c@example.test",
                null,
                "devices:read devices:write",
                inOneHour(),
                null,
                null));

    assertThat(caller.kind()).isEqualTo(Caller.Kind.CUSTOMER);
    assertThat(caller.isCustomer()).isTrue();
    assertThat(caller.actor()).isEqualTo("customer:c@example.test");
    assertThat(caller.customerId()).isEqualTo(customer);
    assertThat(caller.scopes()).containsExactly(Scope.DEVICES_READ);
  }

  @Test
  void eachRefusalNamesItsReason() {
    assertThatThrownBy(() -> introspector.resolve("bearer-of-someone-else"))
        .isInstanceOf(BadOpaqueTokenException.class)
        .hasMessage("unknown token");
    when(access.findTokenGrant(any())).thenReturn(Optional.empty());
    assertThatThrownBy(() -> introspector.resolve("fmt_nothing")).hasMessage("unknown token");
    assertThatThrownBy(
            () -> resolve(member("owner", "devices:read", inOneHour(), OffsetDateTime.now())))
        .hasMessage("token revoked");
    assertThatThrownBy(
            () ->
                resolve(
                    member("owner", "devices:read", OffsetDateTime.now().minusSeconds(1), null)))
        .hasMessage("token expired");
    assertThatThrownBy(() -> resolve(member(null, "devices:read", inOneHour(), null)))
        .hasMessageContaining("no longer a member");
  }

  @Test
  void aRevokedOrExpiredCustomerTokenIsRefused() {
    UUID customer = UUID.randomUUID();
    assertThatThrownBy(
            () ->
                resolve(
                    new TokenGrant(
                        TOKEN,
                        ORG,
                        null,
                        customer,
                        "c@example.test",
                        null,
                        "devices:read",
                        inOneHour(),
                        OffsetDateTime.now(),
                        null)))
        .hasMessage("token revoked");
    assertThatThrownBy(
            () ->
                resolve(
                    new TokenGrant(
                        TOKEN,
                        ORG,
                        null,
                        customer,
                        "c@example.test",
                        null,
                        "devices:read",
                        OffsetDateTime.now().minusSeconds(1),
                        null,
                        null)))
        .hasMessage("token expired");
  }

  @Test
  void aMembersSigningKeyIsCheckedLikeAToken() {
    assertThat(introspector.member(member("ci", "firmware:write", inOneHour(), null)).scopes())
        .containsExactly(Scope.FIRMWARE_WRITE);
    assertThatThrownBy(
            () ->
                introspector.member(
                    member("ci", "firmware:write", inOneHour(), OffsetDateTime.now())))
        .hasMessage("token revoked");
    assertThatThrownBy(
            () ->
                introspector.member(
                    member("ci", "firmware:write", OffsetDateTime.now().minusSeconds(1), null)))
        .hasMessage("token expired");
    assertThatThrownBy(() -> introspector.member(member(null, "firmware:write", inOneHour(), null)))
        .hasMessageContaining("no longer a member");
  }

  @Test
  void aClientsAccessTokenIsAServiceWithItsGrantedScopes() {
    String token = "fmo_token";
    when(access.findClientGrant(Secrets.sha256(token)))
        .thenReturn(
            Optional.of(
                new ClientGrant(TOKEN, ORG, "fmcl_1", "rollouts:read", inOneHour(), null, null)));
    Caller caller = introspector.resolve(token);

    assertThat(caller.kind()).isEqualTo(Caller.Kind.SERVICE);
    assertThat(caller.actor()).isEqualTo("client:fmcl_1");
    assertThat(caller.scopes()).containsExactly(Scope.ROLLOUTS_READ);

    when(access.findClientGrant(Secrets.sha256("fmo_revoked")))
        .thenReturn(
            Optional.of(
                new ClientGrant(
                    TOKEN,
                    ORG,
                    "fmcl_1",
                    "rollouts:read",
                    inOneHour(),
                    null,
                    OffsetDateTime.now())));
    assertThatThrownBy(() -> introspector.resolve("fmo_revoked")).hasMessage("token revoked");
    when(access.findClientGrant(Secrets.sha256("fmo_old")))
        .thenReturn(
            Optional.of(
                new ClientGrant(
                    TOKEN, ORG, "fmcl_1", "rollouts:read", OffsetDateTime.now(), null, null)));
    assertThatThrownBy(() -> introspector.resolve("fmo_old")).hasMessage("token expired");
    when(access.findClientGrant(Secrets.sha256("fmo_gone"))).thenReturn(Optional.empty());
    assertThatThrownBy(() -> introspector.resolve("fmo_gone")).hasMessage("unknown token");
  }

  @Test
  void theIntrospectedPrincipalCarriesScopeAuthorities() {
    when(access.findTokenGrant(Secrets.sha256("fmt_x")))
        .thenReturn(Optional.of(member("ci", "firmware:write devices:read", inOneHour(), null)));
    var principal = introspector.introspect("fmt_x");

    assertThat(principal.getName()).isEqualTo("m@example.test");
    assertThat(principal.getAuthorities())
        .extracting(Object::toString)
        .containsExactly("SCOPE_devices:read", "SCOPE_firmware:write");
    assertThat(principal.getAttributes()).containsEntry("organization_id", ORG.toString());
  }
}
