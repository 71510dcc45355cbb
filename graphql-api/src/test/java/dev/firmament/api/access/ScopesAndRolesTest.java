package dev.firmament.api.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.api.caller.Role;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.error.ApiException;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scope names clients use, their stored form, and what each role grants. */
class ScopesAndRolesTest {

  @Test
  void scopesParseAndFormatInTheirStoredForm() {
    assertThat(Scope.parse("rollouts:write  devices:read"))
        .containsExactlyInAnyOrder(Scope.DEVICES_READ, Scope.ROLLOUTS_WRITE);
    assertThat(Scope.parse((String) null)).isEmpty();
    assertThat(Scope.parse("  ")).isEmpty();
    assertThat(Scope.parse(List.of("audit:read"))).containsExactly(Scope.AUDIT_READ);
    assertThat(Scope.format(EnumSet.of(Scope.ROLLOUTS_WRITE, Scope.DEVICES_READ)))
        .isEqualTo("devices:read rollouts:write");
    assertThat(Scope.format(EnumSet.noneOf(Scope.class))).isEmpty();
    assertThat(Scope.FIRMWARE_WRITE.authority()).isEqualTo("SCOPE_firmware:write");
    for (Scope scope : Scope.values()) {
      assertThat(Scope.of(scope.value())).isSameAs(scope);
    }
  }

  @Test
  void anUnknownScopeOrRoleIsAnInvalidArgumentNamingTheKnownOnes() {
    assertThatThrownBy(() -> Scope.of("devices:delete"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("unknown scope 'devices:delete'")
        .hasMessageContaining("rollouts:approve");
    assertThatThrownBy(() -> Role.of("admin"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("unknown role 'admin'");
  }

  @Test
  void eachRoleGrantsExactlyItsScopes() {
    assertThat(Role.OWNER.scopes()).containsExactlyInAnyOrder(Scope.values());
    assertThat(Role.RELEASE_MANAGER.scopes())
        .containsExactlyInAnyOrder(
            Scope.DEVICES_READ,
            Scope.DEVICES_WRITE,
            Scope.PRODUCTS_WRITE,
            Scope.FIRMWARE_WRITE,
            Scope.ROLLOUTS_READ,
            Scope.ROLLOUTS_WRITE,
            Scope.ROLLOUTS_APPROVE,
            Scope.INTEGRATIONS_MANAGE);
    assertThat(Role.OPERATOR.scopes())
        .containsExactlyInAnyOrder(
            Scope.DEVICES_READ,
            Scope.DEVICES_WRITE,
            Scope.ROLLOUTS_READ,
            Scope.ROLLOUTS_WRITE,
            Scope.INTEGRATIONS_MANAGE);
    assertThat(Role.AUDITOR.scopes())
        .containsExactlyInAnyOrder(Scope.DEVICES_READ, Scope.ROLLOUTS_READ, Scope.AUDIT_READ);
    assertThat(Role.CI.scopes())
        .containsExactlyInAnyOrder(Scope.DEVICES_READ, Scope.FIRMWARE_WRITE, Scope.ROLLOUTS_READ);
    for (Role role : Role.values()) {
      assertThat(Role.of(role.value())).isSameAs(role);
    }
    assertThat(Role.CI.grants(EnumSet.of(Scope.FIRMWARE_WRITE))).isTrue();
    assertThat(Role.CI.grants(EnumSet.of(Scope.FIRMWARE_WRITE, Scope.ROLLOUTS_WRITE))).isFalse();
    assertThatThrownBy(() -> Role.AUDITOR.scopes().add(Scope.TOKENS_MANAGE))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void secretsCarryTheirKindAndAreStoredAsTheirSha256() {
    String token = Secrets.generate(Secrets.API_TOKEN);
    assertThat(token).startsWith("fmt_").hasSize(4 + 43);
    assertThat(Secrets.generate(Secrets.API_TOKEN)).isNotEqualTo(token);
    assertThat(Secrets.sha256("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(Secrets.prefixOf(token)).isEqualTo(token.substring(0, 12));
    assertThat(Secrets.prefixOf("short")).isEqualTo("short");
  }
}
