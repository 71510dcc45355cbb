package dev.firmament.api.error;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs an unexpected failure under a fresh error id and returns the message the client sees, so
 * that an operator can find the stack trace from what a user reports.
 */
public final class InternalErrors {
  private static final Logger log = LoggerFactory.getLogger(InternalErrors.class);

  private InternalErrors() {}

  /** The id and client-facing message of one logged failure. */
  public record Logged(String errorId, String message) {}

  public static Logged log(String where, Throwable failure) {
    String errorId = UUID.randomUUID().toString();
    log.error("internal error errorId={} where={}", errorId, where, failure);
    return new Logged(errorId, "Internal error; reference " + errorId);
  }
}
