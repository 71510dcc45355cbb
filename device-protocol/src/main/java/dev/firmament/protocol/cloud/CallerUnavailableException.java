package dev.firmament.protocol.cloud;

/** The call could not be sent: the caller is not connected to the broker, or the broker refused. */
public final class CallerUnavailableException extends RuntimeException {

  public CallerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
