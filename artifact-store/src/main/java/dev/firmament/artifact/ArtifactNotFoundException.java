package dev.firmament.artifact;

/** No artifact is stored under the requested key. */
public class ArtifactNotFoundException extends ArtifactStoreException {
  private static final long serialVersionUID = 1L;

  public ArtifactNotFoundException(String storageKey) {
    super("no artifact stored under " + storageKey);
  }
}
