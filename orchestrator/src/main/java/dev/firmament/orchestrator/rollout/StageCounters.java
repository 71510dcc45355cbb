package dev.firmament.orchestrator.rollout;

import java.util.Set;

/**
 * Device counts of one stage.
 *
 * @param assigned devices the stage took
 * @param started devices whose first attempt started
 * @param inFlight devices updating now (including those waiting for a retry)
 * @param succeeded devices that reached the version
 * @param skipped devices that already ran it
 * @param failed devices that ended FAILED (or CANCELED)
 * @param timedOut devices that stayed silent past the device timeout
 * @param rejected devices that refused the update
 * @param rolledBack devices whose new slot failed to boot
 * @param unhealthy devices that succeeded, then went offline or came back on another version within
 *     the soak
 */
public record StageCounters(
    int assigned,
    int started,
    int inFlight,
    int succeeded,
    int skipped,
    int failed,
    int timedOut,
    int rejected,
    int rolledBack,
    int unhealthy) {

  public static final StageCounters EMPTY = new StageCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** Devices with a final outcome. */
  public int finished() {
    return succeeded + skipped + failed + timedOut + rejected + rolledBack;
  }

  /** Finished devices in one of {@code types}, plus unhealthy ones (they always count). */
  public int failures(Set<DeviceUpdateState> types) {
    int count = unhealthy;
    if (types.contains(DeviceUpdateState.FAILED)) {
      count += failed;
    }
    if (types.contains(DeviceUpdateState.TIMED_OUT)) {
      count += timedOut;
    }
    if (types.contains(DeviceUpdateState.REJECTED)) {
      count += rejected;
    }
    if (types.contains(DeviceUpdateState.ROLLED_BACK)) {
      count += rolledBack;
    }
    return count;
  }

  /** Devices that ended on the version and stayed healthy. */
  public int healthySuccesses() {
    return Math.max(0, succeeded + skipped - unhealthy);
  }

  /** Devices that did not end on the version (any failure type, or unhealthy). */
  public int allFailures() {
    return failed + timedOut + rejected + rolledBack + unhealthy;
  }

  public StageCounters plus(StageCounters other) {
    return new StageCounters(
        assigned + other.assigned,
        started + other.started,
        inFlight + other.inFlight,
        succeeded + other.succeeded,
        skipped + other.skipped,
        failed + other.failed,
        timedOut + other.timedOut,
        rejected + other.rejected,
        rolledBack + other.rolledBack,
        unhealthy + other.unhealthy);
  }
}
