package dev.firmament.api.network;

import java.time.OffsetDateTime;

/**
 * A device's membership of a network (seed schema {@code NetworkDevice}), with where its
 * configuration stands.
 *
 * @param role GATEWAY or NODE
 * @param sentVersion the highest version the workers sent the device, 0 for none
 * @param appliedVersion the highest version the device applied, null for none
 * @param ackState the latest version's state for this device ({@link NetworkAckState})
 * @param ackReason the device's reason when it rejected the latest version
 * @param ackedAt when it answered the latest version
 */
public record NetworkDevice(
    String networkId,
    String deviceId,
    String role,
    String addedBy,
    OffsetDateTime addedAt,
    long sentVersion,
    Long appliedVersion,
    String ackState,
    String ackReason,
    OffsetDateTime ackedAt) {

  /** One answer of the device: to which version, applied or rejected, why, when. */
  public record Acknowledgement(
      long version, String result, String reason, OffsetDateTime ackedAt) {}

  /** What a network's member list keeps: all given conditions hold. */
  public record Filter(String role, String ackState) {}
}
