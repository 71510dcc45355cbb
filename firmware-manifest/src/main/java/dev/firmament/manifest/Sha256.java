package dev.firmament.manifest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The project's one SHA-256 helper: firmware images, deltas and artifacts are named by the
 * lowercase hex SHA-256 of their bytes (as the {@link Manifest} names an image), and the same
 * helper hashes tokens and audit entries and keys the HMACs of signed requests.
 */
public final class Sha256 {
  private Sha256() {}

  /** A fresh digest, for hashing a stream as it passes. */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  /** The 32-byte digest of {@code bytes}. */
  public static byte[] digest(byte[] bytes) {
    return newDigest().digest(bytes);
  }

  /** The lowercase hex SHA-256 of {@code bytes}. */
  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(digest(bytes));
  }

  /** The lowercase hex SHA-256 of the UTF-8 bytes of {@code text}. */
  public static String hex(String text) {
    return hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Finishes {@code digest} and returns its value as lowercase hex. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * HMAC-SHA256 of the UTF-8 bytes of {@code text} under {@code key}.
   *
   * @throws IllegalArgumentException when the key is empty
   */
  public static byte[] hmac(byte[] key, String text) {
    if (key.length == 0) {
      throw new IllegalArgumentException("an HMAC key must not be empty");
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform provides HmacSHA256", e);
    }
  }
}
