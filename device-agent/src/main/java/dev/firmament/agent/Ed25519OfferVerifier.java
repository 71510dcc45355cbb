package dev.firmament.agent;

import dev.firmament.manifest.Manifest;
import dev.firmament.manifest.ManifestVerificationException;
import dev.firmament.manifest.ManifestVerifier;
import dev.firmament.protocol.UpdateOffer;
import java.util.Objects;

/**
 * Verifies offers signed with the release key, through the same {@link ManifestVerifier} the
 * release side uses: the signature covers the UTF-8 bytes of the offer's {@code manifest} text
 * exactly as sent, and the text must then be a canonical manifest byte for byte ({@code
 * docs/firmware-manifest.md}); anything else (reordered keys, whitespace, extra fields, another
 * schema) is refused. The manifest must name the offer's target version and image hash; after the
 * download, the image's hash and size must be the ones it names. Thread-safe.
 */
final class Ed25519OfferVerifier implements OfferVerifier {

  private final ManifestVerifier verifier;

  Ed25519OfferVerifier(String publicKeyBase64) {
    Objects.requireNonNull(publicKeyBase64, "publicKeyBase64");
    this.verifier = ManifestVerifier.of(publicKeyBase64);
  }

  @Override
  public void verifyOffer(UpdateOffer offer) throws BadSignatureException {
    Manifest manifest = signedManifest(offer);
    if (!offer.targetVersion().equals(manifest.version())) {
      throw new BadSignatureException(
          "manifest is for version "
              + manifest.version()
              + ", offer is for "
              + offer.targetVersion());
    }
    if (!offer.artifact().sha256().equals(manifest.sha256())) {
      throw new BadSignatureException(
          "manifest names image sha256 "
              + manifest.sha256()
              + ", offer says "
              + offer.artifact().sha256());
    }
  }

  @Override
  public void verifyImage(UpdateOffer offer, String sha256, long size)
      throws BadSignatureException {
    checkPresent(offer);
    try {
      verifier.verifyImage(offer.manifest(), offer.signature(), sha256, size);
    } catch (ManifestVerificationException e) {
      throw new BadSignatureException(e.getMessage());
    }
  }

  private Manifest signedManifest(UpdateOffer offer) throws BadSignatureException {
    checkPresent(offer);
    try {
      return verifier.verify(offer.manifest(), offer.signature());
    } catch (ManifestVerificationException e) {
      throw new BadSignatureException(e.getMessage());
    }
  }

  private static void checkPresent(UpdateOffer offer) throws BadSignatureException {
    if (offer.signature() == null || offer.signature().isBlank()) {
      throw new BadSignatureException("offer is not signed");
    }
    if (offer.manifest() == null || offer.manifest().isEmpty()) {
      throw new BadSignatureException("offer carries no manifest");
    }
  }
}
