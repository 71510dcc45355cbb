package dev.firmament.orchestrator.rollout;

/**
 * Asks a delivery worker to update one device within one rollout.
 *
 * @param jobId the rollout's job id
 * @param deviceId the device
 * @param attempt 1 for the first attempt; a higher attempt reopens a failed result
 * @param version the firmware version to deliver; null for the rollout's target version
 * @param rollback whether this delivers the device's previous version back (the offer says so)
 * @param resume whether this takes over an update a previous run of the stage started (it continued
 *     as new while the device worked): the device is not offered again unless the offer never went
 *     out; the activity only becomes the one the device's final report completes
 * @param waitOffline whether a device that is offline waits for its presence instead of an offer
 * @param reoffer with {@code resume}: the worker that delivered the update was lost or failed, so
 *     the update is offered again by this worker (the device resumes from its acknowledged offset,
 *     or reports its end again) besides being taken over
 */
public record DeviceUpdateRequest(
    String jobId,
    String deviceId,
    int attempt,
    String version,
    boolean rollback,
    boolean resume,
    boolean waitOffline,
    boolean reoffer) {

  public DeviceUpdateRequest(String jobId, String deviceId, int attempt) {
    this(jobId, deviceId, attempt, null, false, false, false, false);
  }

  public DeviceUpdateRequest(
      String jobId, String deviceId, int attempt, String version, boolean rollback) {
    this(jobId, deviceId, attempt, version, rollback, false, false, false);
  }

  /**
   * The idempotency key of this update, the update id the device sees: one per device per rollout
   * and attempt, and one per rollback. A later attempt has a key of its own ({@code
   * .../attempt/{n}}), so that the device starts it afresh instead of repeating its last report for
   * the attempt that failed.
   */
  public String key() {
    if (rollback) {
      return "rollout/" + jobId + "/rollback/" + deviceId;
    }
    String update = "rollout/" + jobId + "/device/" + deviceId;
    return attempt > 1 ? update + "/attempt/" + attempt : update;
  }
}
