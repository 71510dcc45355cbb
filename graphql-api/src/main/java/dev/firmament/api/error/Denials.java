package dev.firmament.api.error;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ExpressionAuthorizationDecision;
import org.springframework.security.core.AuthenticationException;

/**
 * Turns Spring Security's refusals into {@link ApiException}s a client can act on: which scope was
 * missing, read from the method's {@code @PreAuthorize} expression.
 */
public final class Denials {
  private static final Pattern SCOPE = Pattern.compile("SCOPE_([a-z]+:[a-z]+)");

  private Denials() {}

  /** The API's form of a security exception, or null when {@code failure} is not one. */
  public static ApiException toApi(Throwable failure) {
    if (failure instanceof AuthenticationException) {
      return new ApiException(ErrorCode.UNAUTHENTICATED, "a valid credential is required", failure);
    }
    if (failure instanceof AccessDeniedException denied) {
      return new ApiException(ErrorCode.FORBIDDEN, message(denied), failure);
    }
    return null;
  }

  static String message(AccessDeniedException denied) {
    Set<String> scopes = new LinkedHashSet<>();
    if (denied instanceof AuthorizationDeniedException authorization) {
      AuthorizationResult result = authorization.getAuthorizationResult();
      if (result instanceof ExpressionAuthorizationDecision expression) {
        Matcher m = SCOPE.matcher(expression.getExpression().getExpressionString());
        while (m.find()) {
          scopes.add(m.group(1));
        }
      }
    }
    if (scopes.isEmpty()) {
      return "the caller's credential does not allow this operation";
    }
    return (scopes.size() == 1 ? "requires scope " : "requires one of the scopes ")
        + String.join(", ", scopes);
  }
}
