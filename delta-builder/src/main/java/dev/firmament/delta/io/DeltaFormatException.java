package dev.firmament.delta.io;

import java.io.IOException;

/**
 * A patch is malformed, truncated, hostile, does not belong to the given old image, or produced an
 * image whose hash does not match its header. The message says which.
 */
public class DeltaFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public DeltaFormatException(String message) {
    super(message);
  }

  public DeltaFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
