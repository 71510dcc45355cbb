package dev.firmament.orchestrator.rollout;

import java.time.Duration;

/**
 * A stage's health gate: what the stage's updated devices report after their update, against the
 * rollout's devices not yet updated, judged every {@code checkEvery} while the stage soaks. A
 * device is unhealthy when any signal that is on reaches its threshold since its update (a device
 * not yet updated: since the stage's first update): abnormal resets (watchdog, panic, brown-out,
 * unknown; a reset into the new image or one someone asked for does not count), reconnections, or
 * the largest value of one named diagnostic in its vitals. The gate breaches when the share of
 * unhealthy updated devices exceeds the share of unhealthy devices not yet updated by more than
 * {@code maxExcess}, once {@code minimumUpdated} devices have updated.
 *
 * @param resetThreshold abnormal resets that make a device unhealthy; 0 for off
 * @param reconnectThreshold reconnections that make a device unhealthy; 0 for off
 * @param diagnostic the name of a diagnostic in the devices' vitals; null for off
 * @param diagnosticThreshold the value of {@code diagnostic} that makes a device unhealthy
 * @param maxExcess 0 to 1: how much larger the updated devices' unhealthy share may be
 * @param minimumUpdated updated devices needed before the gate is judged, at least 1
 * @param checkEvery how often the gate is judged while the stage soaks, at least one second
 */
public record HealthPlan(
    int resetThreshold,
    int reconnectThreshold,
    String diagnostic,
    double diagnosticThreshold,
    double maxExcess,
    int minimumUpdated,
    Duration checkEvery) {

  /** The largest diagnostic name, as in the device protocol. */
  public static final int MAX_DIAGNOSTIC_LENGTH = 64;

  public HealthPlan {
    if (resetThreshold < 0 || reconnectThreshold < 0) {
      throw new IllegalArgumentException(
          "resetThreshold and reconnectThreshold may not be negative");
    }
    if (diagnostic != null
        && (diagnostic.isBlank()
            || diagnostic.length() > MAX_DIAGNOSTIC_LENGTH
            || !diagnostic.matches("[A-Za-z0-9_.:/-]+"))) {
      throw new IllegalArgumentException(
          "diagnostic must be 1 to 64 characters of [A-Za-z0-9_.:/-], was " + diagnostic);
    }
    if (diagnostic != null && !Double.isFinite(diagnosticThreshold)) {
      throw new IllegalArgumentException("diagnosticThreshold must be a finite number");
    }
    if (resetThreshold == 0 && reconnectThreshold == 0 && diagnostic == null) {
      throw new IllegalArgumentException(
          "a health gate needs a signal: resetThreshold, reconnectThreshold or diagnostic");
    }
    if (!(maxExcess >= 0 && maxExcess <= 1)) {
      throw new IllegalArgumentException("maxExcess must be between 0 and 1");
    }
    if (minimumUpdated < 1) {
      throw new IllegalArgumentException("minimumUpdated must be at least 1");
    }
    checkEvery = checkEvery == null ? Duration.ofSeconds(30) : checkEvery;
    if (checkEvery.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("checkEvery must be at least one second");
    }
  }
}
