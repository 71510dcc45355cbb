package dev.firmament.orchestrator.rollout;

import java.time.Duration;

/**
 * Input of {@link StageWorkflow}: the stage's plan and the rollout settings it needs, plus what a
 * previous run of the same stage carried over. Device ids are read from the database page by page,
 * never passed in.
 *
 * @param jobId the rollout's job id
 * @param index the stage's index
 * @param kind UPDATE or ROLLBACK
 * @param plan the stage's plan
 * @param retry per-device retries
 * @param window maintenance window, or null
 * @param deviceTimeout how long one device may take from offer to final report
 * @param pageSize device ids per page (and per run: the stage continues as new after each page)
 * @param absorbJoiners whether devices that joined the targets are added to this stage at its end
 * @param carry state from the previous run
 * @param expiresAt workflow time (epoch millis) until which offline devices wait for their presence
 *     instead of being offered (the rollout's expiry); 0 when devices are offered online or not
 * @param onlyWaiting whether the stage serves only the rollout's waiting devices until the expiry
 *     (the last stage of a rollout with an expiry) instead of devices of its own
 * @param handsOver whether the stage may advance on the evidence of the devices that answered and
 *     hand its stragglers over to the next stage (an update stage that is not the last)
 * @param deliveryHeartbeat the deliveries' heartbeat timeout, after which a delivery whose worker
 *     was lost is re-adopted; null for no heartbeat and no re-adoption (see {@link
 *     RolloutRequest#deliveryHeartbeat})
 * @param deliverySlice how many devices' first offers one delivery activity starts ({@link
 *     RolloutRequest#deliverySlice}); 0 or 1 for one activity per device
 */
public record StageRequest(
    String jobId,
    int index,
    StageKind kind,
    StagePlan plan,
    RetryPolicy retry,
    MaintenanceWindow window,
    Duration deviceTimeout,
    int pageSize,
    boolean absorbJoiners,
    StageCarry carry,
    long expiresAt,
    boolean onlyWaiting,
    boolean handsOver,
    Duration deliveryHeartbeat,
    int deliverySlice) {

  public StageRequest withCarry(StageCarry next) {
    return new StageRequest(
        jobId,
        index,
        kind,
        plan,
        retry,
        window,
        deviceTimeout,
        pageSize,
        absorbJoiners,
        next,
        expiresAt,
        onlyWaiting,
        handsOver,
        deliveryHeartbeat,
        deliverySlice);
  }

  /**
   * Whether this stage starts its devices' first offers in slices ({@link DeliverySlice}): an
   * update stage asked to, whose deliveries heartbeat. Without a heartbeat there is no re-adoption,
   * and a worker's error in one slice would count against every device in it.
   */
  public boolean sliced() {
    return deliverySlice > 1 && kind == StageKind.UPDATE && deliveryHeartbeat != null;
  }

  /** Whether offline devices wait for their presence. */
  public boolean waitsForPresence() {
    return expiresAt > 0 && kind == StageKind.UPDATE;
  }
}
