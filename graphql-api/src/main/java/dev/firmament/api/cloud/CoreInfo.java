package dev.firmament.api.cloud;

import java.time.OffsetDateTime;

/**
 * A device as a function call or a variable read found it.
 *
 * @param deviceId the device
 * @param lastHeard when the cloud last heard from it (its answer counts)
 * @param connected whether it was connected
 */
public record CoreInfo(String deviceId, OffsetDateTime lastHeard, boolean connected) {}
