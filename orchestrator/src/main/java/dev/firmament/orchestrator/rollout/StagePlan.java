package dev.firmament.orchestrator.rollout;

import java.time.Duration;

/**
 * One stage of a rollout.
 *
 * @param name shown to operators ("canary", "wave 1")
 * @param selection which of the remaining targets the stage takes
 * @param maxInFlight how many of its devices may update at the same time
 * @param rate optional start rate with ramp; null for as fast as {@code maxInFlight} allows
 * @param soak how long to watch the stage's devices after the last one finished (zero for none)
 * @param gate when the stage breaches, and what happens then
 * @param advance whether the stage starts by itself or after an approval
 */
public record StagePlan(
    String name,
    StageSelection selection,
    int maxInFlight,
    RatePlan rate,
    Duration soak,
    GatePlan gate,
    AdvanceMode advance) {

  public StagePlan {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("stage name is required");
    }
    if (selection == null) {
      throw new IllegalArgumentException("stage selection is required");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1");
    }
    soak = soak == null ? Duration.ZERO : soak;
    if (soak.isNegative()) {
      throw new IllegalArgumentException("soak may not be negative");
    }
    gate = gate == null ? GatePlan.permissive() : gate;
    if (gate.health() != null && soak.isZero()) {
      throw new IllegalArgumentException(
          "a health gate needs a soak: the devices are watched while the stage soaks");
    }
    advance = advance == null ? AdvanceMode.AUTOMATIC : advance;
  }

  /** Every target at once, with no gate and no soak: a rollout created without stages. */
  public static StagePlan everything(int maxInFlight) {
    return new StagePlan(
        "all",
        StageSelection.percent(100),
        maxInFlight,
        null,
        Duration.ZERO,
        GatePlan.permissive(),
        AdvanceMode.AUTOMATIC);
  }
}
