package dev.firmament.api.access;

import dev.firmament.manifest.Sha256;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Credential secrets: 256 random bits behind a prefix that says what they are ({@code fmt_} API
 * token, {@code fmo_} OAuth2 access token, {@code fmc_} OAuth2 client secret), so a leaked secret
 * is recognisable by secret scanners. Only the SHA-256 is stored.
 */
public final class Secrets {
  public static final String API_TOKEN = "fmt_";
  public static final String OAUTH2_TOKEN = "fmo_";
  public static final String CLIENT_SECRET = "fmc_";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int PREFIX_LENGTH = 12;

  private Secrets() {}

  public static String generate(String kind) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return kind + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String sha256(String secret) {
    return Sha256.hex(secret);
  }

  /** The first characters of a secret, kept in clear so people can tell their tokens apart. */
  public static String prefixOf(String secret) {
    return secret.substring(0, Math.min(PREFIX_LENGTH, secret.length()));
  }
}
