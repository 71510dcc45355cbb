package dev.firmament.orchestrator.rollout;

import java.util.EnumSet;
import java.util.Set;

/**
 * A stage's gate. While the stage runs, the share of finished devices that ended in one of {@code
 * countedFailures} (plus devices found unhealthy after their success) may not exceed {@code
 * maxFailureRate} once at least {@code minimumSample} devices have finished; at the end of the
 * stage at least {@code minSuccessRate} of them must have succeeded. A breach applies {@code
 * onBreach}.
 *
 * @param countedFailures which terminal states count as failures (of FAILED, TIMED_OUT, REJECTED,
 *     ROLLED_BACK)
 * @param maxFailureRate 0 to 1; a rate exactly at the threshold does not breach
 * @param minimumSample finished devices needed before the failure rate is judged
 * @param minSuccessRate 0 to 1; the share of finished devices that must succeed to advance
 * @param onBreach PAUSE, ABORT or ROLLBACK
 * @param health what the updated devices report while the stage soaks, against the devices not yet
 *     updated; null for no health gate (it needs a soak)
 */
public record GatePlan(
    Set<DeviceUpdateState> countedFailures,
    double maxFailureRate,
    int minimumSample,
    double minSuccessRate,
    BreachAction onBreach,
    HealthPlan health) {

  public static final Set<DeviceUpdateState> FAILURE_TYPES =
      EnumSet.of(
          DeviceUpdateState.FAILED,
          DeviceUpdateState.TIMED_OUT,
          DeviceUpdateState.REJECTED,
          DeviceUpdateState.ROLLED_BACK);

  public GatePlan {
    countedFailures = countedFailures == null ? FAILURE_TYPES : Set.copyOf(countedFailures);
    for (DeviceUpdateState state : countedFailures) {
      if (!FAILURE_TYPES.contains(state)) {
        throw new IllegalArgumentException("not a failure type: " + state);
      }
    }
    if (maxFailureRate < 0 || maxFailureRate > 1) {
      throw new IllegalArgumentException("maxFailureRate must be between 0 and 1");
    }
    if (minSuccessRate < 0 || minSuccessRate > 1) {
      throw new IllegalArgumentException("minSuccessRate must be between 0 and 1");
    }
    if (minimumSample < 0) {
      throw new IllegalArgumentException("minimumSample may not be negative");
    }
    if (onBreach == null) {
      throw new IllegalArgumentException("onBreach is required");
    }
  }

  /** A gate without a health gate. */
  public GatePlan(
      Set<DeviceUpdateState> countedFailures,
      double maxFailureRate,
      int minimumSample,
      double minSuccessRate,
      BreachAction onBreach) {
    this(countedFailures, maxFailureRate, minimumSample, minSuccessRate, onBreach, null);
  }

  /** A gate that never breaches: the behaviour of a rollout created without a plan. */
  public static GatePlan permissive() {
    return new GatePlan(FAILURE_TYPES, 1.0, 0, 0.0, BreachAction.PAUSE);
  }
}
