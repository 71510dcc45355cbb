package dev.firmament.api.ratelimit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The per-credential request rate ({@link RateLimitFilter}).
 *
 * @param requestsPerSecond the sustained rate each credential's bucket refills at
 * @param burst the bucket's capacity: how many requests may arrive at once after a quiet spell
 * @param maxTrackedCallers buckets kept in memory; the least recently seen caller's goes first
 */
@ConfigurationProperties("firmament.api.rate-limit")
public record RateLimitProperties(
    @DefaultValue("50") long requestsPerSecond,
    @DefaultValue("100") long burst,
    @DefaultValue("100000") long maxTrackedCallers) {

  public RateLimitProperties {
    if (requestsPerSecond < 1 || burst < 1 || maxTrackedCallers < 1) {
      throw new IllegalArgumentException(
          "firmament.api.rate-limit.* must be positive: requests-per-second="
              + requestsPerSecond
              + ", burst="
              + burst
              + ", max-tracked-callers="
              + maxTrackedCallers);
    }
  }
}
