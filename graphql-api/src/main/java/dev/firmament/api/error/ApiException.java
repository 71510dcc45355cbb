package dev.firmament.api.error;

/**
 * A request the API refuses, with a code and a message written for the client. Anything else that
 * escapes a request is an internal error and its message is never shown.
 */
public class ApiException extends RuntimeException {
  private final ErrorCode code;

  public ApiException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ApiException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public static ApiException notFound(String what, Object id) {
    return new ApiException(ErrorCode.NOT_FOUND, what + " not found: " + id);
  }

  public static ApiException invalid(String message) {
    return new ApiException(ErrorCode.INVALID_ARGUMENT, message);
  }
}
