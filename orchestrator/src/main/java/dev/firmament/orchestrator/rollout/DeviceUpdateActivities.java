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

  /**
   * Offers the rollout's firmware to a slice of devices in one activity, as {@link #updateDevice}
   * offers one (same checks, same update ids, idempotent the same way), so that a stage pays one
   * activity for many devices. Each device's end reaches the calling stage as a {@link
   * DeviceReport}: in the returned {@link SliceOutcome} when no device was offered, else through
   * the stage's {@link StageWorkflow#deviceReports} signal, sent by this activity for the devices
   * that ended or wait at once and by the device's final report for the others. The activity stays
   * open (heartbeated by the worker that delivers its devices) until every offered device ended.
   */
  SliceOutcome deliverSlice(DeliverySlice slice);
}
