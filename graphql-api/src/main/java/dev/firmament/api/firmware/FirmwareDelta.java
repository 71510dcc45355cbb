package dev.firmament.api.firmware;

/**
 * A {@code FirmwareDelta}: what the delta pipeline decided for one source version of a build.
 *
 * @param fromVersion the version a device must run for the delta to apply
 * @param format patch format ({@code NATIVE} or {@code BSDIFF40})
 * @param size patch size in bytes; null when no patch was kept
 * @param sha256 SHA-256 of the patch; null unless published
 * @param status {@code PUBLISHED}, {@code FULL_PREFERRED} or {@code FAILED}
 * @param reason the engine's decision or the failure, in words
 */
public record FirmwareDelta(
    String fromVersion, String format, Long size, String sha256, String status, String reason) {}
