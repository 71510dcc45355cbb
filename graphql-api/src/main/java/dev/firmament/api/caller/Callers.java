package dev.firmament.api.caller;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import graphql.GraphQLContext;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** The caller of the current request, from Spring Security's context. */
public final class Callers {
  private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();

  private Callers() {}

  public static Optional<Caller> find() {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication != null
        && authentication.isAuthenticated()
        && authentication.getPrincipal() instanceof CallerPrincipal principal) {
      return Optional.of(principal.caller());
    }
    return Optional.empty();
  }

  /**
   * The caller as the GraphQL request saw it, also on a thread that holds no security context: over
   * graphql-ws a message's thread has none; the credential authenticated at connection_init travels
   * in the GraphQL context.
   */
  public static Optional<Caller> find(GraphQLContext context) {
    Optional<Caller> caller = find();
    if (caller.isPresent()) {
      return caller;
    }
    AtomicReference<Optional<Caller>> found = new AtomicReference<>(Optional.empty());
    SNAPSHOTS.captureFrom(context).wrap(() -> found.set(find())).run();
    return found.get();
  }

  /** The caller, or {@code UNAUTHENTICATED} when the request carries no valid credential. */
  public static Caller current() {
    return find().orElseThrow(Callers::unauthenticated);
  }

  /** {@link #current()} for a GraphQL request ({@link #find(GraphQLContext)}). */
  public static Caller current(GraphQLContext context) {
    return find(context).orElseThrow(Callers::unauthenticated);
  }

  private static ApiException unauthenticated() {
    return new ApiException(ErrorCode.UNAUTHENTICATED, "a valid credential is required");
  }
}
