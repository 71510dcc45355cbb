package dev.firmament.agent;

import dev.firmament.protocol.UpdateOffer;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Decides whether a device trusts an offer: the device-side check of the release signature.
 *
 * <p>The agent calls {@link #verifyOffer} before it downloads anything (a failure is {@code
 * REJECTED}/{@code BAD_SIGNATURE} and leaves both slots untouched), and {@link #verifyImage} once
 * the image is in the inactive slot and its SHA-256 matched, before it switches slots (a failure is
 * {@code FAILED}/{@code BAD_SIGNATURE}).
 *
 * <p>{@link #none()} trusts every offer; it exists for simulations and tests. A production device
 * must configure {@link #ed25519(String)} with the release public key.
 */
public interface OfferVerifier {

  /**
   * Checks the offer's signature and that its manifest names the offered version and image.
   *
   * @throws BadSignatureException if the offer is unsigned, the signature is wrong, or the manifest
   *     describes something else
   */
  void verifyOffer(UpdateOffer offer) throws BadSignatureException;

  /**
   * Checks that the image written to the inactive slot is the one the signed manifest names.
   *
   * @param sha256 the image's SHA-256, 64 lowercase hex digits
   * @param size the image's size in bytes
   * @throws BadSignatureException if it is not
   */
  void verifyImage(UpdateOffer offer, String sha256, long size) throws BadSignatureException;

  /**
   * Checks that the device may install the offer's older build: with signatures, only under the
   * release side's signed grant for this device, this update, this build and its product, before
   * the grant expires; without them, only when the offer says it is a rollback.
   *
   * @param deviceId this device
   * @param now the device's clock
   * @throws BadSignatureException with the reason it may not, phrased to follow "offered X"
   */
  void verifyDowngrade(UpdateOffer offer, String deviceId, Instant now)
      throws BadSignatureException;

  /** Trusts every offer: no signature is checked. Never for production devices. */
  static OfferVerifier none() {
    return NoVerification.INSTANCE;
  }

  /**
   * Checks Ed25519 signatures of firmware manifests with the release public key.
   *
   * @param publicKeyBase64 the key as base64 of its X.509 ({@code SubjectPublicKeyInfo}) encoding
   * @throws IllegalArgumentException if that is not an Ed25519 public key
   */
  static OfferVerifier ed25519(String publicKeyBase64) {
    return new Ed25519OfferVerifier(publicKeyBase64, null);
  }

  /**
   * As {@link #ed25519(String)}, and a build must belong to this product: a signed build of another
   * product is refused like a bad signature.
   */
  static OfferVerifier ed25519(String publicKeyBase64, UUID productId) {
    return new Ed25519OfferVerifier(
        publicKeyBase64, Objects.requireNonNull(productId, "productId"));
  }

  /** The verifier that checks nothing. */
  enum NoVerification implements OfferVerifier {
    INSTANCE;

    @Override
    public void verifyOffer(UpdateOffer offer) {}

    @Override
    public void verifyImage(UpdateOffer offer, String sha256, long size) {}

    @Override
    public void verifyDowngrade(UpdateOffer offer, String deviceId, Instant now)
        throws BadSignatureException {
      if (!offer.rollback()) {
        throw new BadSignatureException("without rollback");
      }
    }
  }
}
