package dev.firmament.manifest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Checks manifest signatures with the release public key; the device side uses it before it
 * switches slots (verify the signature, then that the image it wrote is the one the manifest
 * names). Thread-safe.
 */
public final class ManifestVerifier {
  private final PublicKey publicKey;

  private ManifestVerifier(PublicKey publicKey) {
    this.publicKey = publicKey;
  }

  /** A verifier for a base64 X.509 Ed25519 public key ({@code firmament.signing.public-key}). */
  public static ManifestVerifier of(String publicKeyBase64) {
    return new ManifestVerifier(SigningKeys.publicKey(publicKeyBase64));
  }

  /**
   * Returns the manifest when {@code signature} is a valid signature of exactly {@code
   * canonicalJson} and the text is a canonical manifest.
   *
   * @throws ManifestVerificationException otherwise
   */
  public Manifest verify(String canonicalJson, String signature) {
    checkSignature(canonicalJson, signature, "manifest");
    try {
      return Manifest.parseCanonical(canonicalJson);
    } catch (IllegalArgumentException e) {
      throw new ManifestVerificationException(e.getMessage());
    }
  }

  /**
   * Returns the grant when {@code signature} is a valid signature of exactly {@code canonicalJson}
   * and the text is a canonical grant. Whether the grant fits an offer (device, update, version,
   * image, product, expiry) is the caller's to check against the offer.
   *
   * @throws ManifestVerificationException otherwise
   */
  public DowngradeGrant verifyGrant(String canonicalJson, String signature) {
    checkSignature(canonicalJson, signature, "grant");
    try {
      return DowngradeGrant.parseCanonical(canonicalJson);
    } catch (IllegalArgumentException e) {
      throw new ManifestVerificationException(e.getMessage());
    }
  }

  private void checkSignature(String text, String signature, String what) {
    if (text == null || signature == null) {
      throw new ManifestVerificationException(what + " or signature missing");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(signature.strip());
    } catch (IllegalArgumentException e) {
      throw new ManifestVerificationException("signature is not base64");
    }
    if (!verify(text.getBytes(StandardCharsets.UTF_8), raw)) {
      throw new ManifestVerificationException("signature does not match the " + what);
    }
  }

  /**
   * Verifies the signature and that the manifest names this image: a device calls it with the hash
   * and size of the image it has just written, before it switches to it.
   *
   * @throws ManifestVerificationException when the signature is bad or the image is another one
   */
  public Manifest verifyImage(
      String canonicalJson, String signature, String imageSha256, long imageSize) {
    Manifest manifest = verify(canonicalJson, signature);
    if (!manifest.sha256().equals(imageSha256) || manifest.size() != imageSize) {
      throw new ManifestVerificationException(
          "the image ("
              + imageSize
              + " bytes, sha256 "
              + imageSha256
              + ") is not the one the manifest names");
    }
    return manifest;
  }

  boolean verify(byte[] data, byte[] signatureBytes) {
    try {
      Signature signature = Signature.getInstance(SigningKeys.ALGORITHM);
      signature.initVerify(publicKey);
      signature.update(data);
      return signature.verify(signatureBytes);
    } catch (GeneralSecurityException e) {
      // A malformed signature (wrong length, not a curve point) is simply not a valid one.
      return false;
    }
  }
}
