package dev.firmament.api.device;

import java.time.OffsetDateTime;

/**
 * What a device said about itself in its last online presence that carried it ({@code DeviceInfo}):
 * platform, hardware, radio, boot loader and system versions; its vitals come from its telemetry.
 *
 * @param deviceId the device it is about
 */
public record DeviceInfo(
    String deviceId,
    String platform,
    String hardware,
    String radio,
    String bootloaderVersion,
    String systemVersion,
    OffsetDateTime reportedAt) {}
