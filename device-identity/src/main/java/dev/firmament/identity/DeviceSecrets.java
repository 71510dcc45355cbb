package dev.firmament.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A device's broker secret: how it is made, how it is stored, how it is checked.
 *
 * <p>The device connects with client id = username = its device id and this secret as password.
 * Only the SHA-256 of the secret is stored; a secret carries 192 random bits, so a fast hash is
 * enough (there is nothing to guess), and comparison is constant-time.
 */
public final class DeviceSecrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SECRET_BYTES = 24;

  private DeviceSecrets() {}

  /** A new random secret, URL-safe base64 without padding (32 characters). */
  public static String generate() {
    byte[] bytes = new byte[SECRET_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The stored form of a secret: lower-case hex SHA-256 of its UTF-8 bytes. */
  public static String hash(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM provides SHA-256", e);
    }
  }

  /** Whether a presented secret matches a stored hash, in time independent of where they differ. */
  public static boolean matches(byte[] presented, String storedHash) {
    if (presented == null || storedHash == null) {
      return false;
    }
    String hash = hash(new String(presented, StandardCharsets.UTF_8));
    return MessageDigest.isEqual(
        hash.getBytes(StandardCharsets.US_ASCII), storedHash.getBytes(StandardCharsets.US_ASCII));
  }
}
