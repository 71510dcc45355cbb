package dev.firmament.api.security;

import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import graphql.schema.GraphQLAppliedDirective;
import graphql.schema.GraphQLFieldDefinition;
import java.util.List;
import java.util.Set;

/**
 * The access rule a field declares with {@code @access(scopes, customers)}, and its check against
 * the caller. Read once per field definition; checked before the field's data fetcher runs.
 */
public record FieldAccess(Set<Scope> scopes, boolean customers) {
  public static final String DIRECTIVE = "access";

  /** The field's rule, or null when the field declares none. */
  public static FieldAccess of(GraphQLFieldDefinition field) {
    GraphQLAppliedDirective directive = field.getAppliedDirective(DIRECTIVE);
    if (directive == null) {
      return null;
    }
    List<String> scopes = directive.getArgument("scopes").getValue();
    Boolean customers = directive.getArgument("customers").getValue();
    return new FieldAccess(
        scopes == null ? Set.of() : Scope.parse(scopes), Boolean.TRUE.equals(customers));
  }

  /** Refuses {@code caller} with {@code FORBIDDEN} unless the rule holds. */
  public void check(String fieldName, Caller caller) {
    if (caller.isCustomer() && !customers) {
      throw new ApiException(
          ErrorCode.FORBIDDEN, "customer tokens cannot read or change '" + fieldName + "'");
    }
    for (Scope scope : scopes) {
      if (!caller.has(scope)) {
        throw new ApiException(
            ErrorCode.FORBIDDEN, "'" + fieldName + "' requires scope " + scope.value());
      }
    }
  }
}
