package dev.firmament.api.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** REST errors of the API's endpoints as {@code {code, message}}, never a stack trace. */
@RestControllerAdvice(basePackages = "dev.firmament.api")
public class RestErrorHandler {

  /** The body of every REST error; {@code errorId} only for internal errors. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ErrorBody(
      String code,
      String message,
      String errorId,
      @com.fasterxml.jackson.annotation.JsonIgnore java.util.Map<String, Object> details) {
    public ErrorBody(String code, String message, String errorId) {
      this(code, message, errorId, java.util.Map.of());
    }

    ErrorBody(ErrorCode code, String message) {
      this(code.name(), message, null);
    }

    /** The exception's details, as members beside {@code code} (as in GraphQL's extensions). */
    @com.fasterxml.jackson.annotation.JsonAnyGetter
    public java.util.Map<String, Object> extra() {
      return details == null ? java.util.Map.of() : details;
    }
  }

  @ExceptionHandler(ApiException.class)
  public ResponseEntity<ErrorBody> api(ApiException e) {
    return body(
        e.code().httpStatus(), new ErrorBody(e.code().name(), e.getMessage(), null, e.details()));
  }

  @ExceptionHandler(MissingServletRequestParameterException.class)
  public ResponseEntity<ErrorBody> missingParameter(MissingServletRequestParameterException e) {
    return body(
        HttpStatus.BAD_REQUEST,
        new ErrorBody(
            ErrorCode.INVALID_ARGUMENT, "parameter " + e.getParameterName() + " is required"));
  }

  /**
   * The client of a stream (Server-Sent Events) went away: there is nobody to answer and nothing
   * went wrong here.
   */
  @ExceptionHandler(
      org.springframework.web.context.request.async.AsyncRequestNotUsableException.class)
  public void clientGone() {
    // Nothing to write: the response is closed.
  }

  @ExceptionHandler(Exception.class)
  public ResponseEntity<ErrorBody> unexpected(Exception e) {
    ApiException denial = Denials.toApi(e);
    if (denial != null) {
      return api(denial);
    }
    // Spring's own request errors (unreadable body, type mismatch, ...) carry their 4xx status.
    if (e instanceof ErrorResponse framework && framework.getStatusCode().is4xxClientError()) {
      return body(
          HttpStatus.valueOf(framework.getStatusCode().value()),
          new ErrorBody(ErrorCode.INVALID_ARGUMENT, framework.getBody().getDetail()));
    }
    InternalErrors.Logged logged = InternalErrors.log("rest", e);
    return body(
        HttpStatus.INTERNAL_SERVER_ERROR,
        new ErrorBody(ErrorCode.INTERNAL.name(), logged.message(), logged.errorId()));
  }

  private static ResponseEntity<ErrorBody> body(HttpStatus status, ErrorBody body) {
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
  }
}
