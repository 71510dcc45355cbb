package dev.firmament.orchestrator.rollout;

import io.temporal.activity.ActivityInterface;

/** Device delivery, served on {@link TaskQueues#DELIVERY}. */
@ActivityInterface
public interface DeviceUpdateActivities {

  /**
   * Offers the rollout's firmware to the device and returns when the device reports a final state.
   * The implementation completes asynchronously: no thread waits while the device works. Idempotent
   * on {@link DeviceUpdateRequest#key()}: a retried call re-offers the same update, and a device
   * already on the target version is SKIPPED without sending anything.
   */
  DeviceUpdateOutcome updateDevice(DeviceUpdateRequest request);
}
