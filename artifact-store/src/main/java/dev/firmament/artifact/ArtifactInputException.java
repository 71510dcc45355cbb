package dev.firmament.artifact;

import java.io.IOException;

/**
 * The stream of bytes to store failed before its end (a client that went away mid-upload, for
 * example); nothing was kept. The backend itself did not fail.
 */
public class ArtifactInputException extends ArtifactStoreException {
  private static final long serialVersionUID = 1L;

  public ArtifactInputException(IOException cause) {
    super("the artifact's bytes could not be read to their end: " + cause.getMessage(), cause);
  }
}
