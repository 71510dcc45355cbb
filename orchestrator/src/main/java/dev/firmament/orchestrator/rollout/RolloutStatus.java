package dev.firmament.orchestrator.rollout;

/** The status of a rollout ({@code FirmwareOTAJob.status}); see docs/state-machines.md. */
public enum RolloutStatus {
  SCHEDULED,
  WAITING_APPROVAL,
  RUNNING,
  PAUSED,
  /** Every targeted device ended on the target version (updated or already there). */
  SUCCEEDED,
  /** The rollout ran to its end but at least one device did not reach the target version. */
  FAILED,
  ABORTED,
  CANCELED,
  ROLLING_BACK,
  ROLLED_BACK,
  /** The orchestrator lost the rollout (for example an embedded Temporal restarted under it). */
  INTERRUPTED;

  public boolean isFinal() {
    return switch (this) {
      case SUCCEEDED, FAILED, ABORTED, CANCELED, ROLLED_BACK, INTERRUPTED -> true;
      default -> false;
    };
  }
}
