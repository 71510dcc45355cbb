package dev.firmament.api.error;

/**
 * A request the API refuses, with a code and a message written for the client. Anything else that
 * escapes a request is an internal error and its message is never shown.
 */
public class ApiException extends RuntimeException {
  private final ErrorCode code;

  /**
   * What the client needs beyond the message to act on the refusal, as JSON values (a SIM import's
   * bad rows): {@code extensions} beside {@code code} in GraphQL, members beside {@code code} and
   * {@code message} in REST. Empty for most errors.
   */
  private final transient java.util.Map<String, Object> details;

  public ApiException(ErrorCode code, String message) {
    this(code, message, java.util.Map.of());
  }

  public ApiException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.details = java.util.Map.of();
  }

  /**
   * A refusal with details; their names must not be {@code code}, {@code message} or {@code
   * errorId}.
   */
  public ApiException(ErrorCode code, String message, java.util.Map<String, Object> details) {
    super(message);
    this.code = code;
    this.details = java.util.Map.copyOf(details);
  }

  public ErrorCode code() {
    return code;
  }

  public java.util.Map<String, Object> details() {
    return details;
  }

  public static ApiException notFound(String what, Object id) {
    return new ApiException(ErrorCode.NOT_FOUND, what + " not found: " + id);
  }

  public static ApiException invalid(String message) {
    return new ApiException(ErrorCode.INVALID_ARGUMENT, message);
  }
}
