package dev.firmament.protocol;

/**
 * Where a device is in one update, in the order a successful update passes through them. The last
 * four are terminal: the update is over for the device.
 */
public enum DeviceState {
  /** Accepted, receiving chunks; the report's offset says how many contiguous bytes it has. */
  DOWNLOADING,
  /** All bytes received; checking the image hash (and later the signature). */
  VERIFYING,
  /** Hash good; writing boot metadata for the new slot. */
  INSTALLING,
  /** Rebooting into the new slot. */
  REBOOTING,
  /** Running the target version. Terminal. */
  SUCCEEDED,
  /** Gave up on this update and still runs the old version; the code says why. Terminal. */
  FAILED,
  /** Refused the offer without downloading; the code says why. Terminal. */
  REJECTED,
  /** Booted the new slot, it failed, and the device went back to the old one. Terminal. */
  ROLLED_BACK;

  /** Whether the update is over for the device. */
  public boolean isTerminal() {
    return ordinal() >= SUCCEEDED.ordinal();
  }

  /** Whether a report in this state must carry an error code. */
  public boolean requiresCode() {
    return this == FAILED || this == REJECTED || this == ROLLED_BACK;
  }
}
