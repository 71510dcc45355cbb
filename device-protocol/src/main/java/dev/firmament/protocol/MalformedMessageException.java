package dev.firmament.protocol;

/**
 * A payload that is not a valid protocol message. The message names what is wrong; {@link
 * #updateId()} is the update id if it could still be read, so a device can reject the offer by id.
 */
public final class MalformedMessageException extends RuntimeException {

  private final String updateId;

  public MalformedMessageException(String message, String updateId, Throwable cause) {
    super(message, cause);
    this.updateId = updateId;
  }

  public MalformedMessageException(String message) {
    this(message, null, null);
  }

  /** The update id found in the payload, or null. */
  public String updateId() {
    return updateId;
  }
}
