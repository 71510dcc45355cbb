package dev.firmament.manifest;

/** A manifest signature did not verify, or the manifest does not describe the image at hand. */
public class ManifestVerificationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ManifestVerificationException(String message) {
    super(message);
  }
}
