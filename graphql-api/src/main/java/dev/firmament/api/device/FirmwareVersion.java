package dev.firmament.api.device;

/** The version a device runs, with the title of the matching upload when there is one. */
public record FirmwareVersion(String version, String title) {}
