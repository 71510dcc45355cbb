package dev.firmament.manifest;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * An Ed25519 key pair in its configuration form: base64 of the PKCS#8 private key and of the X.509
 * (SubjectPublicKeyInfo) public key, the JDK's standard encodings.
 *
 * @param privateKeyBase64 value of {@code firmament.signing.private-key}
 * @param publicKeyBase64 value of {@code firmament.signing.public-key}
 */
public record SigningKeys(String privateKeyBase64, String publicKeyBase64) {
  static final String ALGORITHM = "Ed25519";

  /** A fresh key pair from the JDK's own Ed25519 provider. */
  public static SigningKeys generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      Base64.Encoder b64 = Base64.getEncoder();
      return new SigningKeys(
          b64.encodeToString(pair.getPrivate().getEncoded()),
          b64.encodeToString(pair.getPublic().getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides Ed25519", e);
    }
  }

  public static PrivateKey privateKey(String base64) {
    try {
      return KeyFactory.getInstance(ALGORITHM)
          .generatePrivate(new PKCS8EncodedKeySpec(decode(base64, "private")));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a base64 PKCS#8 Ed25519 private key", e);
    }
  }

  public static PublicKey publicKey(String base64) {
    try {
      return KeyFactory.getInstance(ALGORITHM)
          .generatePublic(new X509EncodedKeySpec(decode(base64, "public")));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a base64 X.509 Ed25519 public key", e);
    }
  }

  private static byte[] decode(String base64, String which) {
    if (base64 == null || base64.isBlank()) {
      throw new IllegalArgumentException("the " + which + " signing key is empty");
    }
    try {
      return Base64.getMimeDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the " + which + " signing key is not base64", e);
    }
  }

  @Override
  public String toString() {
    // Never print the private key, not even in a log line about configuration.
    return "SigningKeys[publicKey=" + publicKeyBase64 + "]";
  }
}
