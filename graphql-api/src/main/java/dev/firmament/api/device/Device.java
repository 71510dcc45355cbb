package dev.firmament.api.device;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A device as the API shows it.
 *
 * @param currentVersion the firmware version the device last reported; exposed as {@code
 *     firmwareVersion { version title }}
 */
public record Device(
    String id,
    UUID productId,
    String name,
    boolean online,
    OffsetDateTime lastHeard,
    String lastIp,
    String currentVersion) {}
