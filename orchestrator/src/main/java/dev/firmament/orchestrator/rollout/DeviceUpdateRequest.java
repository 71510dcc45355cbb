package dev.firmament.orchestrator.rollout;

/**
 * Asks a delivery worker to update one device within one rollout.
 *
 * @param jobId the rollout's job id
 * @param deviceId the device
 * @param attempt 1 for the first attempt
 */
public record DeviceUpdateRequest(String jobId, String deviceId, int attempt) {
  /** The idempotency key of this update: one per device per rollout. */
  public String key() {
    return "rollout/" + jobId + "/device/" + deviceId;
  }
}
