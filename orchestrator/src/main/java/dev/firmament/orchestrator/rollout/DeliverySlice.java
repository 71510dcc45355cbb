package dev.firmament.orchestrator.rollout;

import java.util.List;

/**
 * Asks a delivery worker to offer one rollout's update to a slice of devices at once ({@link
 * DeviceUpdateActivities#deliverSlice}): the devices' first offers of an attempt, never take-overs
 * or rollbacks, which go one device at a time ({@link DeviceUpdateRequest}).
 *
 * @param jobId the rollout's job id
 * @param deviceIds the devices, each at most once
 * @param attempts each device's attempt, in the order of {@code deviceIds}; above 1 reopens a
 *     failed result first (a device an operator requeued)
 * @param waitOffline whether a device that is offline waits for its presence instead of an offer
 * @param resume whether the slice takes over attempts a previous run of the stage (or the previous
 *     stage) started and handed over: an attempt between offer and final report gets this slice's
 *     token and the calling stage as its watcher, and is not offered again; one that ended is
 *     reported; one never offered is offered (or waits) as a first offer would be
 */
public record DeliverySlice(
    String jobId,
    List<String> deviceIds,
    List<Integer> attempts,
    boolean waitOffline,
    boolean resume) {

  public DeliverySlice {
    deviceIds = List.copyOf(deviceIds);
    attempts = List.copyOf(attempts);
    if (deviceIds.size() != attempts.size()) {
      throw new IllegalArgumentException("one attempt per device");
    }
  }

  /** A slice of first offers. */
  public DeliverySlice(
      String jobId, List<String> deviceIds, List<Integer> attempts, boolean waitOffline) {
    this(jobId, deviceIds, attempts, waitOffline, false);
  }

  /** The single-device request the slice's {@code i}-th device stands for. */
  public DeviceUpdateRequest request(int i) {
    return new DeviceUpdateRequest(
        jobId, deviceIds.get(i), attempts.get(i), null, false, false, waitOffline, false);
  }
}
