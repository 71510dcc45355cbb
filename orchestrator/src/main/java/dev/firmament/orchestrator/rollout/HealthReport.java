package dev.firmament.orchestrator.rollout;

/**
 * What a stage's devices reported since their update, against the rollout's devices not yet updated
 * (a sample of them), as a {@link HealthPlan} counts it.
 *
 * @param updated the stage's devices that updated
 * @param updatedUnhealthy those of them that reached a threshold
 * @param control devices of the rollout not yet updated that were looked at
 * @param controlUnhealthy those of them that reached a threshold
 * @param detail what was found, for operators ("2 of 4 updated devices unhealthy ...")
 */
public record HealthReport(
    int updated, int updatedUnhealthy, int control, int controlUnhealthy, String detail) {

  public HealthReport {
    if (updated < 0 || control < 0 || updatedUnhealthy < 0 || controlUnhealthy < 0) {
      throw new IllegalArgumentException("counts may not be negative");
    }
    if (updatedUnhealthy > updated || controlUnhealthy > control) {
      throw new IllegalArgumentException("more unhealthy devices than devices");
    }
  }

  /** Nothing updated yet. */
  public static HealthReport none() {
    return new HealthReport(0, 0, 0, 0, "no device updated yet");
  }
}
