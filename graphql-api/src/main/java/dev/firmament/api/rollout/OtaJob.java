package dev.firmament.api.rollout;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A {@code FirmwareOTAJob} row; {@code deviceGroupId} is null when the job targets the product.
 * {@code createdBy} and {@code approvedBy} are actor names (a member's email, {@code client:<id>}).
 */
public record OtaJob(
    UUID id,
    UUID productId,
    UUID firmwareId,
    String targetVersion,
    UUID deviceGroupId,
    String status,
    int maxInFlight,
    String workflowId,
    int totalDevices,
    OffsetDateTime createdAt,
    OffsetDateTime startedAt,
    OffsetDateTime finishedAt,
    String createdBy,
    String approvedBy) {}
