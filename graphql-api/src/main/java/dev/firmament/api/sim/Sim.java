package dev.firmament.api.sim;

import java.time.OffsetDateTime;

/**
 * A SIM card as the API shows it.
 *
 * @param status INACTIVE, ACTIVE or DEACTIVATED (docs/connectivity.md, "States")
 * @param monthlyCapBytes the plan's data per calendar month, in bytes
 * @param overagePolicy BLOCK, THROTTLE or ALLOW: what the plan does past the cap
 * @param deviceId the device it is assigned to, or null
 */
public record Sim(
    String id,
    String iccid,
    String imsi,
    String carrier,
    String status,
    long monthlyCapBytes,
    String overagePolicy,
    String deviceId,
    String createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  /** One change of a SIM's status. */
  public record Activation(
      String id,
      String fromStatus,
      String toStatus,
      String reason,
      String actor,
      OffsetDateTime occurredAt) {}

  /** What the SIM list keeps: all given conditions hold. */
  public record Filter(String status, String carrier, Boolean assigned) {}
}
