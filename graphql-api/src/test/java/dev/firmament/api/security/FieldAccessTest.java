package dev.firmament.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A field's rule: every scope it names, and customers only where it lets them in. */
class FieldAccessTest {
  private static final FieldAccess DEVICES_FOR_CUSTOMERS =
      new FieldAccess(Set.of(Scope.DEVICES_READ), true);
  private static final FieldAccess DEVICES_FOR_MEMBERS =
      new FieldAccess(Set.of(Scope.DEVICES_READ), false);

  @Test
  void aCallerWithTheScopesPasses() {
    assertThatCode(() -> DEVICES_FOR_MEMBERS.check("devices", caller(Caller.Kind.MEMBER, true)))
        .doesNotThrowAnyException();
    assertThatCode(() -> DEVICES_FOR_CUSTOMERS.check("devices", caller(Caller.Kind.CUSTOMER, true)))
        .doesNotThrowAnyException();
  }

  @Test
  void aMissingScopeIsForbiddenAndNamed() {
    assertThatThrownBy(
            () -> DEVICES_FOR_MEMBERS.check("devices", caller(Caller.Kind.MEMBER, false)))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN))
        .hasMessageContaining("'devices' requires scope devices:read");
  }

  @Test
  void aCustomerIsForbiddenWhereTheRuleDoesNotLetCustomersIn() {
    assertThatThrownBy(
            () -> DEVICES_FOR_MEMBERS.check("devices", caller(Caller.Kind.CUSTOMER, true)))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN))
        .hasMessageContaining("customer tokens cannot read or change 'devices'");
  }

  private static Caller caller(Caller.Kind kind, boolean withScope) {
    return new Caller(
        UUID.randomUUID(),
        "someone",
        kind,
        null,
        null,
        UUID.randomUUID(),
        withScope ? Set.of(Scope.DEVICES_READ) : Set.of());
  }
}
