package dev.firmament.api.caller;

import static dev.firmament.api.caller.Scope.AUDIT_READ;
import static dev.firmament.api.caller.Scope.DEVICES_READ;
import static dev.firmament.api.caller.Scope.DEVICES_WRITE;
import static dev.firmament.api.caller.Scope.FIRMWARE_WRITE;
import static dev.firmament.api.caller.Scope.INTEGRATIONS_MANAGE;
import static dev.firmament.api.caller.Scope.PRODUCTS_WRITE;
import static dev.firmament.api.caller.Scope.ROLLOUTS_APPROVE;
import static dev.firmament.api.caller.Scope.ROLLOUTS_READ;
import static dev.firmament.api.caller.Scope.ROLLOUTS_WRITE;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * A member's role in one organization. The role bounds the scopes of every token the member holds:
 * a token's effective scopes are its own scopes that the holder's current role still grants, so a
 * demotion takes effect on existing tokens at once.
 */
public enum Role {
  /** Everything, including members and every token of the organization. */
  OWNER("owner", EnumSet.allOf(Scope.class)),
  /** Plans, starts and approves rollouts; uploads firmware; manages products and devices. */
  RELEASE_MANAGER(
      "release-manager",
      EnumSet.of(
          DEVICES_READ,
          DEVICES_WRITE,
          PRODUCTS_WRITE,
          FIRMWARE_WRITE,
          ROLLOUTS_READ,
          ROLLOUTS_WRITE,
          ROLLOUTS_APPROVE,
          INTEGRATIONS_MANAGE)),
  /**
   * Watches and steers running rollouts (pause, resume, cancel), manages devices, and sets up the
   * webhooks that tell on-call tools.
   */
  OPERATOR(
      "operator",
      EnumSet.of(DEVICES_READ, DEVICES_WRITE, ROLLOUTS_READ, ROLLOUTS_WRITE, INTEGRATIONS_MANAGE)),
  /** Reads everything, including the audit log; changes nothing. */
  AUDITOR("auditor", EnumSet.of(DEVICES_READ, ROLLOUTS_READ, AUDIT_READ)),
  /** Firmware CI: uploads builds and reads what it needs to. */
  CI("ci", EnumSet.of(DEVICES_READ, FIRMWARE_WRITE, ROLLOUTS_READ));

  private final String value;
  private final Set<Scope> scopes;

  Role(String value, Set<Scope> scopes) {
    this.value = value;
    this.scopes = Collections.unmodifiableSet(scopes);
  }

  public String value() {
    return value;
  }

  public Set<Scope> scopes() {
    return scopes;
  }

  public boolean grants(Set<Scope> requested) {
    return scopes.containsAll(requested);
  }

  public static Role of(String value) {
    for (Role role : values()) {
      if (role.value.equals(value)) {
        return role;
      }
    }
    throw new ApiException(
        ErrorCode.INVALID_ARGUMENT,
        "unknown role '" + value + "'; roles are owner, release-manager, operator, auditor and ci");
  }
}
