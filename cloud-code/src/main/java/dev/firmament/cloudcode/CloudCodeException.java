package dev.firmament.cloudcode;

/** A module that may not run here, with why; the message is fit to show the function's owner. */
public final class CloudCodeException extends IllegalArgumentException {
  public CloudCodeException(String message) {
    super(message);
  }

  public CloudCodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
