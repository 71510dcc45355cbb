package dev.firmament.integrations;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signing as the Standard Webhooks specification says (https://www.standardwebhooks.com), so that a
 * receiver verifies with any of its libraries: each delivery carries {@code webhook-id} (the
 * message's id, the same on every retry: the receiver's idempotency key), {@code webhook-timestamp}
 * (seconds since the epoch of this attempt) and {@code webhook-signature} ({@code v1,} and the
 * Base64 HMAC-SHA256 of {@code id.timestamp.body} under the webhook's secret). A secret is {@code
 * whsec_} and the Base64 of 24 to 64 random bytes; it is shown once, when the webhook is made.
 */
public final class StandardWebhooks {
  /** The secret's prefix in its shown form. */
  public static final String SECRET_PREFIX = "whsec_";

  public static final String ID_HEADER = "webhook-id";
  public static final String TIMESTAMP_HEADER = "webhook-timestamp";
  public static final String SIGNATURE_HEADER = "webhook-signature";

  /** How far a timestamp may be from the receiver's clock, as the specification suggests. */
  public static final Duration TOLERANCE = Duration.ofMinutes(5);

  static final int SECRET_BYTES = 32;
  private static final int MIN_SECRET_BYTES = 24;
  private static final int MAX_SECRET_BYTES = 64;
  private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private StandardWebhooks() {}

  /** A new secret in its shown form, {@code whsec_...}. */
  public static String newSecret() {
    byte[] key = new byte[SECRET_BYTES];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /**
   * The key bytes of a secret in its shown form.
   *
   * @throws IllegalArgumentException if it is not {@code whsec_} and the Base64 of 24 to 64 bytes
   */
  public static byte[] key(String secret) {
    if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException("a webhook secret starts with " + SECRET_PREFIX);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a webhook secret is Base64 after " + SECRET_PREFIX);
    }
    if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "a webhook secret holds "
              + MIN_SECRET_BYTES
              + " to "
              + MAX_SECRET_BYTES
              + " bytes, this one "
              + key.length);
    }
    return key;
  }

  /** The signature header's value for one attempt: {@code v1,} and the Base64 HMAC. */
  public static String sign(String secret, String messageId, Instant timestamp, String body) {
    requireMessageId(messageId);
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(body, "body");
    return "v1,"
        + Base64.getEncoder().encodeToString(hmac(key(secret), messageId, timestamp, body));
  }

  /** The three headers of one attempt, in the order a request sends them. */
  public static Map<String, String> headers(
      String secret, String messageId, Instant timestamp, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(ID_HEADER, messageId);
    headers.put(TIMESTAMP_HEADER, Long.toString(timestamp.getEpochSecond()));
    headers.put(SIGNATURE_HEADER, sign(secret, messageId, timestamp, body));
    return headers;
  }

  /**
   * Whether a delivery is genuine, as a receiver checks it: its timestamp within {@link #TOLERANCE}
   * of {@code now}, and one of the space-separated {@code v1} signatures right (compared in
   * constant time). For the tests and for receivers written in Java.
   */
  public static boolean verify(
      String secret,
      String messageId,
      String timestampHeader,
      String signatureHeader,
      String body,
      Instant now) {
    if (messageId == null
        || !MESSAGE_ID.matcher(messageId).matches()
        || timestampHeader == null
        || signatureHeader == null
        || body == null) {
      return false;
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestampHeader);
    } catch (NumberFormatException e) {
      return false;
    }
    Instant timestamp = Instant.ofEpochSecond(seconds);
    if (Duration.between(timestamp, now).abs().compareTo(TOLERANCE) > 0) {
      return false;
    }
    byte[] expected = hmac(key(secret), messageId, timestamp, body);
    for (String candidate : signatureHeader.split(" ")) {
      if (!candidate.startsWith("v1,")) {
        continue;
      }
      byte[] given;
      try {
        given = Base64.getDecoder().decode(candidate.substring(3));
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (MessageDigest.isEqual(expected, given)) {
        return true;
      }
    }
    return false;
  }

  private static void requireMessageId(String messageId) {
    if (messageId == null || !MESSAGE_ID.matcher(messageId).matches()) {
      throw new IllegalArgumentException(
          "a message id is 1 to 128 characters of [A-Za-z0-9_.:-], was " + messageId);
    }
  }

  private static byte[] hmac(byte[] key, String messageId, Instant timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      String signed = messageId + "." + timestamp.getEpochSecond() + "." + body;
      return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
