package dev.firmament.orchestrator.rollout;

/**
 * A device whose update a stage run started and had not finished when the run continued as new: the
 * next run takes it over instead of waiting for it, so a slow device holds one slot, never a page.
 *
 * @param deviceId the device
 * @param attempt its current attempt
 * @param deadline workflow time (epoch millis) by which its attempt must end, or it times out
 * @param retryAt workflow time (epoch millis) of its next attempt when it waits out a retry
 *     backoff; 0 while an attempt runs
 * @param failedAs how its last attempt ended while it waits for the next (null while one runs)
 */
public record OpenDevice(
    String deviceId, int attempt, long deadline, long retryAt, DeviceUpdateState failedAs) {

  /** Whether the device waits for its next attempt rather than running one. */
  public boolean backingOff() {
    return retryAt > 0;
  }
}
