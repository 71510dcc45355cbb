package dev.firmament.api.firmware;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A {@code ProductFirmware}: the catalogue entry of an uploaded image.
 *
 * @param storageKey where the artifact store keeps the bytes; not part of the GraphQL type
 * @param manifest the signed manifest's canonical JSON; null for builds uploaded before signing
 * @param signature base64 Ed25519 signature of {@code manifest}; null when unsigned
 * @param deltaBuildStatus {@code PENDING}, {@code DONE} or {@code FAILED}; null for builds uploaded
 *     before delta builds
 * @param invalidatedAt when the build was invalidated (it can no longer be rolled out); null if not
 * @param invalidReason why it was invalidated
 */
public record Firmware(
    UUID id,
    UUID productId,
    String version,
    String title,
    String sha256,
    long size,
    String storageKey,
    OffsetDateTime uploadedAt,
    String manifest,
    String signature,
    String deltaBuildStatus,
    OffsetDateTime invalidatedAt,
    String invalidReason) {}
