package dev.firmament.api.network;

/**
 * Where a member's configuration stands against its network's latest version
 * (docs/state-machines.md, "Network configuration"). Derived from the stored facts, never stored
 * itself, so it cannot drift from them.
 */
public enum NetworkAckState {
  /** The network has no configuration yet. */
  NONE,
  /** A mesh node whose mesh has no gateway: its configuration waits for one. */
  WAITING_FOR_GATEWAY,
  /** Not sent yet: the device has been offline since the version was published. */
  PENDING,
  /** Sent; the device has not answered. */
  SENT,
  /** The device applied the latest version. */
  APPLIED,
  /** The device rejected the latest version, with a reason. */
  REJECTED;

  /**
   * The state of one member.
   *
   * @param configVersion the network's latest version, 0 for none
   * @param sentVersion the highest version sent to the device, 0 for none
   * @param answer the device's answer to {@code configVersion} (APPLIED or REJECTED), or null
   * @param waitsForGateway whether the device is a node of a mesh that has no gateway
   */
  public static NetworkAckState of(
      long configVersion, long sentVersion, String answer, boolean waitsForGateway) {
    if (configVersion == 0) {
      return NONE;
    }
    if (answer != null) {
      return valueOf(answer);
    }
    if (waitsForGateway) {
      return WAITING_FOR_GATEWAY;
    }
    return sentVersion >= configVersion ? SENT : PENDING;
  }
}
