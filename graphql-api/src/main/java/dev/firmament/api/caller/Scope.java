package dev.firmament.api.caller;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a credential may do. A token carries a set of scopes; the services check them with method
 * security ({@code hasAuthority('SCOPE_...')}), the schema declares them per field with
 * {@code @access}.
 */
public enum Scope {
  DEVICES_READ("devices:read"),
  DEVICES_WRITE("devices:write"),
  PRODUCTS_WRITE("products:write"),
  FIRMWARE_WRITE("firmware:write"),
  ROLLOUTS_READ("rollouts:read"),
  ROLLOUTS_WRITE("rollouts:write"),
  ROLLOUTS_APPROVE("rollouts:approve"),
  AUDIT_READ("audit:read"),
  TOKENS_MANAGE("tokens:manage"),
  MEMBERS_MANAGE("members:manage"),
  INTEGRATIONS_MANAGE("integrations:manage");

  private final String value;

  Scope(String value) {
    this.value = value;
  }

  /** The name clients use, as in {@code rollouts:write}. */
  public String value() {
    return value;
  }

  /** The Spring Security authority that stands for this scope. */
  public String authority() {
    return "SCOPE_" + value;
  }

  public static Scope of(String value) {
    for (Scope scope : values()) {
      if (scope.value.equals(value)) {
        return scope;
      }
    }
    throw new ApiException(
        ErrorCode.INVALID_ARGUMENT,
        "unknown scope '"
            + value
            + "'; known scopes: "
            + Arrays.stream(values()).map(Scope::value).collect(Collectors.joining(", ")));
  }

  /** Parses the stored, space-separated form (as in OAuth2's {@code scope} parameter). */
  public static Set<Scope> parse(String spaceSeparated) {
    EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
    if (spaceSeparated == null || spaceSeparated.isBlank()) {
      return scopes;
    }
    for (String value : spaceSeparated.trim().split("\\s+")) {
      scopes.add(of(value));
    }
    return scopes;
  }

  public static Set<Scope> parse(Collection<String> values) {
    EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (String value : values) {
      scopes.add(of(value));
    }
    return scopes;
  }

  /** The stored form: values in declaration order, separated by one space. */
  public static String format(Set<Scope> scopes) {
    return scopes.stream().sorted().map(Scope::value).collect(Collectors.joining(" "));
  }
}
