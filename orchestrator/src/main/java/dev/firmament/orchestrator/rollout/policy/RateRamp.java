package dev.firmament.orchestrator.rollout.policy;

import dev.firmament.orchestrator.rollout.RatePlan;
import java.time.Duration;

/**
 * The start rate of a stage with an exponential ramp. Immutable: each success returns the next ramp
 * state.
 *
 * @param ratePerMinute current starts per minute
 * @param successesSinceRaise successes counted towards the next raise
 */
public record RateRamp(double ratePerMinute, int successesSinceRaise) {

  public static RateRamp start(RatePlan plan) {
    return new RateRamp(plan.basePerMinute(), 0);
  }

  /** The least time between two starts at the current rate. */
  public Duration interval() {
    return Duration.ofMillis(Math.max(1L, Math.round(60_000.0 / ratePerMinute)));
  }

  /**
   * After a success: raises the rate by the factor every {@code raiseAfterSuccesses}, up to max.
   */
  public RateRamp afterSuccess(RatePlan plan) {
    int successes = successesSinceRaise + 1;
    if (successes < plan.raiseAfterSuccesses()) {
      return new RateRamp(ratePerMinute, successes);
    }
    return new RateRamp(Math.min(plan.maxPerMinute(), ratePerMinute * plan.factor()), 0);
  }
}
