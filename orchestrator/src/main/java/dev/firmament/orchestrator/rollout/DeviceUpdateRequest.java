package dev.firmament.orchestrator.rollout;

/**
 * Asks a delivery worker to update one device within one rollout.
 *
 * @param jobId the rollout's job id
 * @param deviceId the device
 * @param attempt 1 for the first attempt; a higher attempt reopens a failed result
 * @param version the firmware version to deliver; null for the rollout's target version
 * @param rollback whether this delivers the device's previous version back (the offer says so)
 */
public record DeviceUpdateRequest(
    String jobId, String deviceId, int attempt, String version, boolean rollback) {

  public DeviceUpdateRequest(String jobId, String deviceId, int attempt) {
    this(jobId, deviceId, attempt, null, false);
  }

  /** The idempotency key of this update: one per device per rollout, and one per rollback. */
  public String key() {
    return rollback
        ? "rollout/" + jobId + "/rollback/" + deviceId
        : "rollout/" + jobId + "/device/" + deviceId;
  }
}
