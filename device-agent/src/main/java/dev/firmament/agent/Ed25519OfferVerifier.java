package dev.firmament.agent;

import dev.firmament.manifest.DowngradeGrant;
import dev.firmament.manifest.Manifest;
import dev.firmament.manifest.ManifestVerificationException;
import dev.firmament.manifest.ManifestVerifier;
import dev.firmament.protocol.UpdateOffer;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Verifies offers signed with the release key, through the same {@link ManifestVerifier} the
 * release side uses: the signature covers the UTF-8 bytes of the offer's {@code manifest} text
 * exactly as sent, and the text must then be a canonical manifest byte for byte ({@code
 * docs/firmware-manifest.md}); anything else (reordered keys, whitespace, extra fields, another
 * schema) is refused. The manifest must name the offer's target version and image hash (and, when
 * the device knows its product, that product); after the download, the image's hash and size must
 * be the ones it names. An older build needs a signed {@link DowngradeGrant} for this device and
 * update. Thread-safe.
 */
final class Ed25519OfferVerifier implements OfferVerifier {

  private final ManifestVerifier verifier;
  private final UUID productId;

  /**
   * @param productId the product whose builds this device installs, or null to accept any product
   *     the release key signed
   */
  Ed25519OfferVerifier(String publicKeyBase64, UUID productId) {
    Objects.requireNonNull(publicKeyBase64, "publicKeyBase64");
    this.verifier = ManifestVerifier.of(publicKeyBase64);
    this.productId = productId;
  }

  @Override
  public void verifyOffer(UpdateOffer offer) throws BadSignatureException {
    Manifest manifest = signedManifest(offer);
    if (productId != null && !productId.equals(manifest.productId())) {
      throw new BadSignatureException(
          "the build is for product " + manifest.productId() + ", this device is " + productId);
    }
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

  @Override
  public void verifyDowngrade(UpdateOffer offer, String deviceId, Instant now)
      throws BadSignatureException {
    if (offer.downgrade() == null) {
      throw new BadSignatureException("without a signed downgrade grant");
    }
    DowngradeGrant grant;
    try {
      grant = verifier.verifyGrant(offer.downgrade().grant(), offer.downgrade().signature());
    } catch (ManifestVerificationException e) {
      throw new BadSignatureException(
          "with a downgrade grant that does not hold: " + e.getMessage());
    }
    Manifest manifest = signedManifest(offer);
    String mismatch =
        !grant.deviceId().equals(deviceId)
            ? "device " + grant.deviceId()
            : !grant.updateId().equals(offer.updateId())
                ? "update " + grant.updateId()
                : !grant.version().equals(offer.targetVersion())
                    ? "version " + grant.version()
                    : !grant.sha256().equals(manifest.sha256())
                        ? "another image"
                        : !grant.productId().equals(manifest.productId())
                            ? "product " + grant.productId()
                            : null;
    if (mismatch != null) {
      throw new BadSignatureException("with a downgrade grant for " + mismatch);
    }
    if (now.isAfter(grant.expiresAt())) {
      throw new BadSignatureException(
          "with a downgrade grant that expired at " + grant.expiresAt());
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
