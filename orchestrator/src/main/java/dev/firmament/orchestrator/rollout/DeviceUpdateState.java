package dev.firmament.orchestrator.rollout;

/** The state of one device's update within one rollout ({@code OTAResult.state}). */
public enum DeviceUpdateState {
  QUEUED,
  SENT,
  DOWNLOADING,
  VERIFYING,
  INSTALLING,
  REBOOTING,
  SUCCEEDED,
  FAILED,
  TIMED_OUT,
  REJECTED,
  CANCELED,
  ROLLED_BACK,
  /** The device already ran the target version; nothing was sent. */
  SKIPPED;

  public boolean isTerminal() {
    return switch (this) {
      case SUCCEEDED, FAILED, TIMED_OUT, REJECTED, CANCELED, ROLLED_BACK, SKIPPED -> true;
      default -> false;
    };
  }

  /** Whether a device in this state has received the whole artifact it was offered. */
  public boolean receivedWholeArtifact() {
    return switch (this) {
      case VERIFYING, INSTALLING, REBOOTING, SUCCEEDED, ROLLED_BACK -> true;
      default -> false;
    };
  }

  /** Whether the device ends on the target version. */
  public boolean isSuccess() {
    return this == SUCCEEDED || this == SKIPPED;
  }

  /** Parses a state reported by a device or stored in the database; null when unknown. */
  public static DeviceUpdateState parse(String name) {
    if (name == null) {
      return null;
    }
    for (DeviceUpdateState state : values()) {
      if (state.name().equals(name)) {
        return state;
      }
    }
    return null;
  }
}
