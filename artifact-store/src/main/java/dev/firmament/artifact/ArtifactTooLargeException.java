package dev.firmament.artifact;

/** The bytes offered to the store ran past the limit the caller set; nothing was kept. */
public class ArtifactTooLargeException extends ArtifactStoreException {
  private static final long serialVersionUID = 1L;

  private final long limit;

  public ArtifactTooLargeException(long limit) {
    super("the artifact exceeds " + limit + " bytes");
    this.limit = limit;
  }

  /** The largest size the caller accepted, in bytes. */
  public long limit() {
    return limit;
  }
}
