package dev.firmament.orchestrator.delta;

/**
 * The outcome for one (from, to) pair. Only keys, sizes and hashes: never the bytes.
 *
 * @param fromFirmwareId the source build
 * @param toFirmwareId the target build
 * @param fromVersion the source build's version (what a device reports)
 * @param status published, full image preferred, or failed
 * @param format patch format ({@code NATIVE} or {@code BSDIFF40})
 * @param sizeBytes patch size; 0 when nothing was published
 * @param sha256 SHA-256 of the patch; null when nothing was published
 * @param reason why, in words (the engine's decision or the failure)
 * @param buildMillis time spent diffing and checking
 */
public record DeltaBuildResult(
    String fromFirmwareId,
    String toFirmwareId,
    String fromVersion,
    DeltaStatus status,
    String format,
    long sizeBytes,
    String sha256,
    String reason,
    long buildMillis) {}
