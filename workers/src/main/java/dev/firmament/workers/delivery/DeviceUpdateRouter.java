package dev.firmament.workers.delivery;

import dev.firmament.orchestrator.rollout.DeliverySlice;
import dev.firmament.orchestrator.rollout.DeviceUpdateActivities;
import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.orchestrator.rollout.SliceOutcome;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.RolloutActivitiesImpl;
import dev.firmament.workers.rollout.TakeOver;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The delivery activity as registered with Temporal: a rollback request goes to {@link
 * RollbackDelivery}; an update's later attempt (the rollout's retry policy) first reopens the
 * device's failed result, then the update goes to {@link DeviceUpdateActivitiesImpl}, which treats
 * it like a first attempt. Idempotent as both are: reopening is keyed by (job, device, attempt).
 *
 * <p>A request that takes over an attempt a previous stage run started ({@link
 * DeviceUpdateRequest#resume}) offers nothing when the attempt is open: the new activity's token
 * replaces the old one, and the device's final report completes it. An attempt that ended meanwhile
 * answers at once; one that was never offered is offered now. A re-adopted attempt ({@link
 * DeviceUpdateRequest#reoffer}: its worker was lost or failed) is taken over and offered again by
 * this worker, whose gateway then delivers it and whose {@link DeliveryHeartbeats} keep it alive.
 */
@Component
public class DeviceUpdateRouter implements DeviceUpdateActivities {
  private final DeviceUpdateActivitiesImpl updates;
  private final RollbackDelivery rollbacks;
  private final ResultTransitions results;

  public DeviceUpdateRouter(
      DeviceUpdateActivitiesImpl updates, RollbackDelivery rollbacks, ResultTransitions results) {
    this.updates = updates;
    this.rollbacks = rollbacks;
    this.results = results;
  }

  @Override
  public DeviceUpdateOutcome updateDevice(DeviceUpdateRequest request) {
    if (request.resume()) {
      ActivityExecutionContext context = Activity.getExecutionContext();
      UUID jobId = RolloutActivitiesImpl.parse(request.jobId());
      TakeOver found =
          request.rollback()
              ? rollbacks.takeOver(jobId, request.deviceId(), request.attempt(), context)
              : results.takeOver(
                  jobId, request.deviceId(), request.attempt(), context.getTaskToken());
      switch (found.kind()) {
        case OPEN -> {
          if (!request.reoffer()) {
            context.doNotCompleteOnReturn();
            return null;
          }
          // Re-adopted: the worker that delivered it was lost, so this one offers it again.
        }
        case ENDED -> {
          return found.ended();
        }
        case NOT_OFFERED -> {
          // Offered below as a first attempt would be.
        }
      }
    }
    if (request.rollback()) {
      return rollbacks.offer(request, Activity.getExecutionContext());
    }
    if (request.attempt() > 1) {
      results.reopenForAttempt(
          RolloutActivitiesImpl.parse(request.jobId()), request.deviceId(), request.attempt());
    }
    return updates.updateDevice(request);
  }

  /**
   * A slice of first offers: devices an operator requeued reopen their failed result for their
   * attempt first, as a single device's later attempt does; then the slice is offered.
   */
  @Override
  public SliceOutcome deliverSlice(DeliverySlice slice) {
    UUID jobId = RolloutActivitiesImpl.parse(slice.jobId());
    for (int i = 0; i < slice.deviceIds().size() && !slice.resume(); i++) {
      if (slice.attempts().get(i) > 1) {
        results.reopenForAttempt(jobId, slice.deviceIds().get(i), slice.attempts().get(i));
      }
    }
    return updates.deliverSlice(slice);
  }
}
