package dev.firmament.workers.delivery;

import dev.firmament.orchestrator.rollout.DeviceUpdateActivities;
import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.RolloutActivitiesImpl;
import io.temporal.activity.Activity;
import org.springframework.stereotype.Component;

/**
 * The delivery activity as registered with Temporal: a rollback request goes to {@link
 * RollbackDelivery}; an update's later attempt (the rollout's retry policy) first reopens the
 * device's failed result, then the update goes to {@link DeviceUpdateActivitiesImpl}, which treats
 * it like a first attempt. Idempotent as both are: reopening is keyed by (job, device, attempt).
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
    if (request.rollback()) {
      return rollbacks.offer(request, Activity.getExecutionContext());
    }
    if (request.attempt() > 1) {
      results.reopenForAttempt(
          RolloutActivitiesImpl.parse(request.jobId()), request.deviceId(), request.attempt());
    }
    return updates.updateDevice(request);
  }
}
