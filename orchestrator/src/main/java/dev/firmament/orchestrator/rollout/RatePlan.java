package dev.firmament.orchestrator.rollout;

/**
 * A stage's start rate with an exponential ramp: it starts at {@code basePerMinute} device updates
 * per minute and multiplies the rate by {@code factor} after every {@code raiseAfterSuccesses}
 * successes, up to {@code maxPerMinute}.
 */
public record RatePlan(
    int basePerMinute, double factor, int raiseAfterSuccesses, int maxPerMinute) {
  public RatePlan {
    if (basePerMinute < 1) {
      throw new IllegalArgumentException("basePerMinute must be at least 1");
    }
    if (factor < 1.0) {
      throw new IllegalArgumentException("factor must be at least 1");
    }
    if (raiseAfterSuccesses < 1) {
      throw new IllegalArgumentException("raiseAfterSuccesses must be at least 1");
    }
    if (maxPerMinute < basePerMinute) {
      throw new IllegalArgumentException("maxPerMinute must be at least basePerMinute");
    }
  }
}
