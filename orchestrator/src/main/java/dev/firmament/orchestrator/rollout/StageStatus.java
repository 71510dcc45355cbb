package dev.firmament.orchestrator.rollout;

/** The status of one stage ({@code FirmwareOTAJob.stages.status}); see docs/rollouts.md. */
public enum StageStatus {
  PENDING,
  WAITING_APPROVAL,
  RUNNING,
  /** Outside the maintenance window: no new device starts until it opens. */
  WAITING_WINDOW,
  PAUSED,
  SOAKING,
  /** Every device finished, the gate held through the soak. */
  SUCCEEDED,
  /** The gate was breached (or the stage ended below its success threshold). */
  FAILED,
  ABORTED,
  CANCELED;

  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == ABORTED || this == CANCELED;
  }
}
