package dev.firmament.api.firmware;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A {@code ProductFirmware}: the catalogue entry of an uploaded image.
 *
 * @param storageKey where the artifact store keeps the bytes; not part of the GraphQL type
 */
public record Firmware(
    UUID id,
    UUID productId,
    String version,
    String title,
    String sha256,
    long size,
    String storageKey,
    OffsetDateTime uploadedAt) {}
