package dev.firmament.api.cloud;

import java.time.OffsetDateTime;

/** A line of a device's log ({@code DeviceLog}); {@code loggedAt} is the device's own time. */
public record DeviceLog(
    String deviceId,
    OffsetDateTime loggedAt,
    OffsetDateTime receivedAt,
    String level,
    String message) {}
