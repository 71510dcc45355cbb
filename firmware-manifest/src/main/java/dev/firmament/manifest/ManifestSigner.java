package dev.firmament.manifest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Signs firmware manifests with Ed25519 (the JDK's built-in provider). Thread-safe: every call uses
 * its own {@link Signature}.
 */
public final class ManifestSigner {
  private final PrivateKey privateKey;
  private final ManifestVerifier verifier;

  private ManifestSigner(PrivateKey privateKey, ManifestVerifier verifier) {
    this.privateKey = privateKey;
    this.verifier = verifier;
  }

  /**
   * A signer for a configured key pair. The pair is checked by a signature round trip, so that a
   * public key that does not belong to the private key fails at start rather than on every device.
   *
   * @throws IllegalArgumentException when a key cannot be read or the keys do not match
   */
  public static ManifestSigner of(SigningKeys keys) {
    ManifestSigner signer =
        new ManifestSigner(
            SigningKeys.privateKey(keys.privateKeyBase64()),
            ManifestVerifier.of(keys.publicKeyBase64()));
    byte[] probe = "firmament signing key check".getBytes(StandardCharsets.UTF_8);
    if (!signer.verifier.verify(probe, signer.signBytes(probe))) {
      throw new IllegalArgumentException(
          "firmament.signing.public-key does not belong to firmament.signing.private-key");
    }
    return signer;
  }

  /** Signs the manifest's canonical JSON. */
  public SignedManifest sign(Manifest manifest) {
    String json = manifest.toCanonicalJson();
    String signature =
        Base64.getEncoder().encodeToString(signBytes(json.getBytes(StandardCharsets.UTF_8)));
    return new SignedManifest(manifest, json, signature);
  }

  /** Signs a downgrade grant's canonical JSON; returns the base64 signature. */
  public String sign(DowngradeGrant grant) {
    return Base64.getEncoder()
        .encodeToString(signBytes(grant.toCanonicalJson().getBytes(StandardCharsets.UTF_8)));
  }

  /** The verifier for this signer's public key. */
  public ManifestVerifier verifier() {
    return verifier;
  }

  private byte[] signBytes(byte[] data) {
    try {
      Signature signature = Signature.getInstance(SigningKeys.ALGORITHM);
      signature.initSign(privateKey);
      signature.update(data);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }
}
