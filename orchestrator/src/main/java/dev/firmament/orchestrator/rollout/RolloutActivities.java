package dev.firmament.orchestrator.rollout;

import io.temporal.activity.ActivityInterface;

/** Bookkeeping of a rollout in the system of record. Every method is idempotent. */
@ActivityInterface
public interface RolloutActivities {

  /** Counts the job's target devices and marks the job RUNNING (idempotent on the job id). */
  int startJob(String jobId);

  /** Returns the target device ids after {@code afterDeviceId} (null for the first page). */
  TargetPage listTargets(String jobId, String afterDeviceId, int limit);

  /**
   * Records how a device's update ended when the device itself never said so: it did not answer in
   * time (TIMED_OUT) or delivery failed on the server side (FAILED). A result that already reached
   * a terminal state is left as it is (idempotent on job and device).
   */
  void recordUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail);

  /**
   * Records the job's final status and finish time (idempotent: a final status is not rewritten).
   */
  void finishJob(String jobId, RolloutStatus status);
}
