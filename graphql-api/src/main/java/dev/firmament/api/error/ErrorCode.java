package dev.firmament.api.error;

import org.springframework.graphql.execution.ErrorType;
import org.springframework.http.HttpStatus;

/**
 * The error codes clients can program against; they appear as {@code extensions.code} in GraphQL
 * errors and as {@code code} in REST error bodies. The names follow the gRPC status codes.
 */
public enum ErrorCode {
  NOT_FOUND(ErrorType.NOT_FOUND, HttpStatus.NOT_FOUND),
  INVALID_ARGUMENT(ErrorType.BAD_REQUEST, HttpStatus.BAD_REQUEST),
  ALREADY_EXISTS(ErrorType.BAD_REQUEST, HttpStatus.CONFLICT),
  FAILED_PRECONDITION(ErrorType.BAD_REQUEST, HttpStatus.BAD_REQUEST),
  /** The operation would take what another one holds (a device in another open rollout). */
  CONFLICT(ErrorType.BAD_REQUEST, HttpStatus.CONFLICT),
  /** No valid credential: missing, unknown, expired or revoked. */
  UNAUTHENTICATED(ErrorType.UNAUTHORIZED, HttpStatus.UNAUTHORIZED),
  /** A valid credential without the scope (or the rule) the operation needs. */
  FORBIDDEN(ErrorType.FORBIDDEN, HttpStatus.FORBIDDEN),
  /** A GraphQL document over one of the query limits (size, depth, aliases or cost); not run. */
  QUERY_TOO_COMPLEX(ErrorType.BAD_REQUEST, HttpStatus.BAD_REQUEST),
  /**
   * The credential (or, without one, the client address) sent more requests than its rate allows;
   * answered by the rate-limit filter before GraphQL, so never a GraphQL error.
   */
  RATE_LIMITED(ErrorType.BAD_REQUEST, HttpStatus.TOO_MANY_REQUESTS),
  /** An upload over the configured maximum size; refused while it streams, nothing kept. */
  TOO_LARGE(ErrorType.BAD_REQUEST, HttpStatus.CONTENT_TOO_LARGE),
  /** A service the operation needs (the MQTT broker) did not answer; nothing was changed. */
  UNAVAILABLE(ErrorType.INTERNAL_ERROR, HttpStatus.SERVICE_UNAVAILABLE),
  /**
   * A live subscription asked to resume from a cursor whose events the retention deleted; it
   * subscribes again without the cursor.
   */
  CURSOR_EXPIRED(ErrorType.BAD_REQUEST, HttpStatus.GONE),
  /**
   * A live subscriber fell further behind than its buffer holds; it subscribes again with the
   * cursor of the last event it received and misses nothing.
   */
  SUBSCRIBER_TOO_SLOW(ErrorType.BAD_REQUEST, HttpStatus.TOO_MANY_REQUESTS),
  /** The device is not connected: a call to it is answered at once, without reaching it. */
  DEVICE_OFFLINE(ErrorType.BAD_REQUEST, HttpStatus.CONFLICT),
  /** The device did not answer in time; it may still have run the call. */
  DEADLINE_EXCEEDED(ErrorType.INTERNAL_ERROR, HttpStatus.GATEWAY_TIMEOUT),
  /** The device refused a call or failed to run it; the message carries its code and reason. */
  DEVICE_ERROR(ErrorType.BAD_REQUEST, HttpStatus.BAD_GATEWAY),
  INTERNAL(ErrorType.INTERNAL_ERROR, HttpStatus.INTERNAL_SERVER_ERROR);

  private final ErrorType graphQlType;
  private final HttpStatus httpStatus;

  ErrorCode(ErrorType graphQlType, HttpStatus httpStatus) {
    this.graphQlType = graphQlType;
    this.httpStatus = httpStatus;
  }

  public ErrorType graphQlType() {
    return graphQlType;
  }

  public HttpStatus httpStatus() {
    return httpStatus;
  }
}
