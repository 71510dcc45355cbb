package dev.firmament.orchestrator.rollout;

import java.time.Duration;

/**
 * Input of {@link RolloutWorkflow}: only ids and settings travel through Temporal, never device
 * lists or firmware bytes.
 *
 * @param jobId the {@code ota_jobs} row this rollout executes
 * @param maxInFlight how many devices may be updating at the same time
 * @param deviceTimeout how long one device may take from offer to final report
 * @param pageSize how many target ids one activity call returns
 */
public record RolloutRequest(String jobId, int maxInFlight, Duration deviceTimeout, int pageSize) {

  public RolloutRequest {
    if (jobId == null || jobId.isBlank()) {
      throw new IllegalArgumentException("jobId is required");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1");
    }
    if (deviceTimeout == null || deviceTimeout.isNegative() || deviceTimeout.isZero()) {
      throw new IllegalArgumentException("deviceTimeout must be positive");
    }
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be at least 1");
    }
  }
}
