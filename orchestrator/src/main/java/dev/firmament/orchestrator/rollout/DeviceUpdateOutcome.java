package dev.firmament.orchestrator.rollout;

/**
 * How one device's update ended.
 *
 * @param deviceId the device
 * @param state a terminal state
 * @param errorCode the device's or the server's error code, or null
 * @param bytesSent artifact bytes pushed to the device
 */
public record DeviceUpdateOutcome(
    String deviceId, DeviceUpdateState state, String errorCode, long bytesSent) {

  /**
   * The error code of a device a rollout's data policy held back because its SIM would pass its
   * monthly cap: deferred (QUEUED, then TIMED_OUT if still deferred at the expiry) or skipped.
   */
  public static final String DATA_CAP = "DATA_CAP";
}
