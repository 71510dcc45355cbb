package dev.firmament.orchestrator.rollout;

import java.time.Duration;
import java.util.Set;

/**
 * How often one device's update is tried again within a rollout, and when.
 *
 * @param maxAttempts attempts in total, 1 meaning no retry
 * @param initialBackoff the wait before the second attempt
 * @param backoffFactor how much each further wait grows (1 or more)
 * @param maxBackoff the longest wait
 * @param jitter 0 to 1: each wait is shortened by up to this share, at random
 * @param retryableCodes the error codes that are retried; a device that ended without a code is
 *     matched by its state's name (so {@code TIMED_OUT} retries silent devices)
 */
public record RetryPolicy(
    int maxAttempts,
    Duration initialBackoff,
    double backoffFactor,
    Duration maxBackoff,
    double jitter,
    Set<String> retryableCodes) {

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    initialBackoff = initialBackoff == null ? Duration.ofSeconds(30) : initialBackoff;
    maxBackoff = maxBackoff == null ? Duration.ofMinutes(10) : maxBackoff;
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("backoffs must satisfy 0 <= initial <= max");
    }
    if (backoffFactor < 1.0) {
      throw new IllegalArgumentException("backoffFactor must be at least 1");
    }
    if (jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("jitter must be between 0 and 1");
    }
    retryableCodes = retryableCodes == null ? Set.of() : Set.copyOf(retryableCodes);
  }

  /** One attempt per device: what a rollout created without a retry policy does. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO, 0, Set.of());
  }
}
