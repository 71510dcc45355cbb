package dev.firmament.artifact;

/**
 * An artifact as the store knows it.
 *
 * @param storageKey the content address, for example {@code full/ab12…}
 * @param sha256 lower-case hex SHA-256 of the bytes
 * @param size size in bytes
 */
public record StoredArtifact(String storageKey, String sha256, long size) {}
