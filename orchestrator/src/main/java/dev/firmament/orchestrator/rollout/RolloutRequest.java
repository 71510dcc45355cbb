package dev.firmament.orchestrator.rollout;

import java.time.Duration;

/**
 * Input of {@link RolloutWorkflow}: only ids and settings travel through Temporal, never device
 * lists or firmware bytes.
 *
 * @param jobId the {@code ota_jobs} row this rollout executes
 * @param maxInFlight how many devices may be updating at the same time (used when there is no plan)
 * @param deviceTimeout how long one device may take from offer to final report
 * @param pageSize how many device ids one activity call returns (and one stage run handles)
 * @param plan stages, gates, retries, window, schedule and approval; null for one automatic stage
 * @param rollbackOnly a later run that only takes the devices the rollout changed back to their
 *     previous version (a rollout rolled back after it ended); its plan is the original one
 * @param rollbackStage the index of the rollback stage; null for the one after the plan's stages
 * @param deliveryHeartbeat how long a device's delivery may go without a heartbeat from the worker
 *     that offered it before the stage takes it to another worker (re-adoption), and whether errors
 *     on the worker's side are retried instead of counted against the device; null for neither
 *     (rollouts started before re-adoption existed)
 * @param deliverySlice how many devices' offers a stage starts in one delivery activity ({@link
 *     DeliverySlice}); 0 or 1 for one activity per device (rollouts started before slices existed)
 */
public record RolloutRequest(
    String jobId,
    int maxInFlight,
    Duration deviceTimeout,
    int pageSize,
    RolloutPlan plan,
    boolean rollbackOnly,
    Integer rollbackStage,
    Duration deliveryHeartbeat,
    int deliverySlice) {

  public RolloutRequest {
    if (jobId == null || jobId.isBlank()) {
      throw new IllegalArgumentException("jobId is required");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1");
    }
    if (deviceTimeout == null || deviceTimeout.isNegative() || deviceTimeout.isZero()) {
      throw new IllegalArgumentException("deviceTimeout must be positive");
    }
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be at least 1");
    }
    if (deliveryHeartbeat != null
        && (deliveryHeartbeat.isNegative() || deliveryHeartbeat.isZero())) {
      throw new IllegalArgumentException("deliveryHeartbeat must be positive");
    }
    if (deliverySlice < 0) {
      throw new IllegalArgumentException("deliverySlice must not be negative");
    }
    if (plan == null) {
      plan = RolloutPlan.singleStage(maxInFlight);
    }
  }

  /** This request with another plan. */
  public RolloutRequest withPlan(RolloutPlan next) {
    return new RolloutRequest(
        jobId,
        maxInFlight,
        deviceTimeout,
        pageSize,
        next,
        rollbackOnly,
        rollbackStage,
        deliveryHeartbeat,
        deliverySlice);
  }

  /** This request with deliveries that heartbeat and are re-adopted when their worker is lost. */
  public RolloutRequest withDeliveryHeartbeat(Duration heartbeat) {
    return new RolloutRequest(
        jobId,
        maxInFlight,
        deviceTimeout,
        pageSize,
        plan,
        rollbackOnly,
        rollbackStage,
        heartbeat,
        deliverySlice);
  }

  /** This request with offers started up to {@code devices} at a time ({@link DeliverySlice}). */
  public RolloutRequest withDeliverySlice(int devices) {
    return new RolloutRequest(
        jobId,
        maxInFlight,
        deviceTimeout,
        pageSize,
        plan,
        rollbackOnly,
        rollbackStage,
        deliveryHeartbeat,
        devices);
  }

  /** A rollout (or a later rollback-only run) without delivery heartbeats. */
  public RolloutRequest(
      String jobId,
      int maxInFlight,
      Duration deviceTimeout,
      int pageSize,
      RolloutPlan plan,
      boolean rollbackOnly,
      Integer rollbackStage) {
    this(jobId, maxInFlight, deviceTimeout, pageSize, plan, rollbackOnly, rollbackStage, null, 0);
  }

  /** The index of this request's rollback stage. */
  public int rollbackStageIndex() {
    return rollbackStage == null ? plan.stages().size() : rollbackStage;
  }

  /** A rollout of its plan. */
  public RolloutRequest(
      String jobId, int maxInFlight, Duration deviceTimeout, int pageSize, RolloutPlan plan) {
    this(jobId, maxInFlight, deviceTimeout, pageSize, plan, false, null, null, 0);
  }

  /** A rollout of one automatic stage over every target. */
  public RolloutRequest(String jobId, int maxInFlight, Duration deviceTimeout, int pageSize) {
    this(jobId, maxInFlight, deviceTimeout, pageSize, null, false, null, null, 0);
  }
}
