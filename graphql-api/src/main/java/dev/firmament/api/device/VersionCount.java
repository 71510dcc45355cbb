package dev.firmament.api.device;

/**
 * How many devices report one firmware version ({@code VersionCount}).
 *
 * @param version null for the devices that never reported a version
 */
public record VersionCount(String version, int count) {}
