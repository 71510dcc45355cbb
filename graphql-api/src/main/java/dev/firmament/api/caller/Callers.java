package dev.firmament.api.caller;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** The caller of the current request, from Spring Security's context. */
public final class Callers {
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

  /** The caller, or {@code UNAUTHENTICATED} when the request carries no valid credential. */
  public static Caller current() {
    return find()
        .orElseThrow(
            () -> new ApiException(ErrorCode.UNAUTHENTICATED, "a valid credential is required"));
  }
}
