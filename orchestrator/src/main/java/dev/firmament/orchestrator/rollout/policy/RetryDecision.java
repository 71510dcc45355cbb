package dev.firmament.orchestrator.rollout.policy;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RetryPolicy;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether and when a device's failed attempt is tried again. The random draw comes from the caller
 * (the workflow's deterministic random), so this class stays pure.
 */
public final class RetryDecision {
  private RetryDecision() {}

  /**
   * @param attempt the attempt that just ended (1 for the first)
   * @param state how it ended
   * @param errorCode the device's or server's code, or null
   * @param random a draw in [0, 1)
   * @return the wait before the next attempt, or empty when the device is not retried
   */
  public static Optional<Duration> next(
      RetryPolicy policy, int attempt, DeviceUpdateState state, String errorCode, double random) {
    if (state.isSuccess() || attempt >= policy.maxAttempts()) {
      return Optional.empty();
    }
    String code = errorCode == null ? state.name() : errorCode;
    if (!policy.retryableCodes().contains(code)) {
      return Optional.empty();
    }
    double base =
        policy.initialBackoff().toMillis() * Math.pow(policy.backoffFactor(), attempt - 1.0);
    double capped = Math.min(base, policy.maxBackoff().toMillis());
    double jittered = capped * (1.0 - policy.jitter() * random);
    return Optional.of(Duration.ofMillis(Math.max(0L, Math.round(jittered))));
  }
}
