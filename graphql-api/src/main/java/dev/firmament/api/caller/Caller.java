package dev.firmament.api.caller;

import java.util.Set;
import java.util.UUID;

/**
 * Who is calling, resolved from the request's credential: the organization every query is scoped
 * to, the actor name recorded on what the call changes, and the scopes the call may use.
 *
 * @param actor a member's email, {@code client:<clientId>} for a service, {@code customer:<email>}
 *     for a customer
 * @param userId the member, for member tokens; null otherwise
 * @param customerId the customer, for customer tokens; null otherwise
 * @param credentialId the token or client the request presented
 */
public record Caller(
    UUID organizationId,
    String actor,
    Kind kind,
    UUID userId,
    UUID customerId,
    UUID credentialId,
    Set<Scope> scopes) {

  public enum Kind {
    MEMBER,
    SERVICE,
    CUSTOMER
  }

  public Caller {
    scopes = Set.copyOf(scopes);
  }

  public boolean has(Scope scope) {
    return scopes.contains(scope);
  }

  public boolean isCustomer() {
    return kind == Kind.CUSTOMER;
  }
}
