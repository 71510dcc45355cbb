package dev.firmament.api.webhook;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * What happens after one attempt to deliver a webhook message: delivered, tried again later (no
 * answer, a timeout, 408, 429 or a 5xx), or failed for good (any other answer: a redirect or a 4xx,
 * which a retry would not change). Retries wait an exponential backoff with jitter, or what the
 * receiver's {@code Retry-After} asks on 429 and 503, never longer than {@code maxDelay}. After
 * {@code maxAttempts} failed attempts in a row the webhook is paused.
 *
 * @param baseDelay the wait after the first failed attempt (before jitter)
 * @param maxDelay the longest wait, also the most a {@code Retry-After} is honoured
 * @param maxAttempts failed attempts in a row that pause the webhook
 */
public record RetryPolicy(Duration baseDelay, Duration maxDelay, int maxAttempts) {

  /** What one attempt's answer means. */
  public enum Verdict {
    DELIVERED,
    RETRY,
    FAILED
  }

  public RetryPolicy {
    if (baseDelay.isNegative()
        || baseDelay.isZero()
        || maxDelay.compareTo(baseDelay) < 0
        || maxAttempts < 1) {
      throw new IllegalArgumentException(
          "firmament.webhooks: retry-delay must be positive, max-retry-delay at least it,"
              + " max-attempts at least 1");
    }
  }

  /**
   * The verdict on an answer.
   *
   * @param status the HTTP status, or null when no answer came (refused, timed out, reset)
   */
  public static Verdict verdict(Integer status) {
    if (status == null) {
      return Verdict.RETRY;
    }
    if (status >= 200 && status < 300) {
      return Verdict.DELIVERED;
    }
    if (status == 408 || status == 429 || status >= 500) {
      return Verdict.RETRY;
    }
    return Verdict.FAILED;
  }

  /**
   * How long to wait before the next attempt, after {@code attempt} (1 for the first) failed. On
   * 429 and 503 a valid {@code Retry-After} is what the receiver gets (up to {@code maxDelay});
   * otherwise the exponential backoff, {@code baseDelay * 2^(attempt-1)} capped at {@code
   * maxDelay}, of which a random half is taken off (equal jitter), so that webhooks that failed
   * together do not retry together.
   *
   * @param random a value in [0, 1)
   */
  public Duration delay(
      int attempt, Integer status, String retryAfter, Instant now, DoubleSupplier random) {
    if (status != null && (status == 429 || status == 503)) {
      Optional<Duration> asked = retryAfter(retryAfter, now);
      if (asked.isPresent()) {
        return asked.get().compareTo(maxDelay) > 0 ? maxDelay : asked.get();
      }
    }
    Duration full = backoff(attempt);
    long half = full.toMillis() / 2;
    return Duration.ofMillis(full.toMillis() - (long) (half * random.getAsDouble()));
  }

  /** The backoff after failed attempt {@code attempt}, before jitter. */
  Duration backoff(int attempt) {
    int doublings = Math.clamp(attempt - 1, 0, 40);
    long millis = baseDelay.toMillis();
    for (int i = 0; i < doublings && millis < maxDelay.toMillis(); i++) {
      millis *= 2;
    }
    return Duration.ofMillis(Math.min(millis, maxDelay.toMillis()));
  }

  /** Whether {@code failures} failed attempts in a row pause the webhook. */
  public boolean exhausted(int failures) {
    return failures >= maxAttempts;
  }

  /**
   * A {@code Retry-After} value (RFC 9110 §10.2.3): delay-seconds or an HTTP date; empty when it is
   * missing or neither. A date in the past is no wait at all.
   */
  static Optional<Duration> retryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String text = value.strip();
    if (text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (text.length() > 9) {
        // More than 31 years: beyond any wait that is honoured, so the longest one.
        return Optional.of(Duration.ofSeconds(999_999_999L));
      }
      return Optional.of(Duration.ofSeconds(Long.parseLong(text)));
    }
    try {
      Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
