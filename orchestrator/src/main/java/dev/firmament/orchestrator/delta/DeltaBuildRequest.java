package dev.firmament.orchestrator.delta;

/**
 * Input of {@link DeltaBuildWorkflow}: configuration arrives here, not from the environment.
 *
 * @param firmwareId the uploaded firmware, the target of every delta
 * @param maxParallel how many deltas are built at the same time, at least 1
 */
public record DeltaBuildRequest(String firmwareId, int maxParallel) {
  public DeltaBuildRequest {
    if (firmwareId == null || firmwareId.isBlank()) {
      throw new IllegalArgumentException("firmwareId is required");
    }
    if (maxParallel < 1) {
      throw new IllegalArgumentException("maxParallel must be at least 1, was " + maxParallel);
    }
  }
}
