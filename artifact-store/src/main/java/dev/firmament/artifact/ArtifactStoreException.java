package dev.firmament.artifact;

/** The backing store failed or returned something the store cannot trust. */
public class ArtifactStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ArtifactStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public ArtifactStoreException(String message) {
    super(message);
  }
}
