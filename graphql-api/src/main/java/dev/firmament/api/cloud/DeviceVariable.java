package dev.firmament.api.cloud;

/**
 * A variable a device declared for remote reading (the seed's {@code Variable}), with its type:
 * {@code int32}, {@code double}, {@code string} or {@code bool}.
 */
public record DeviceVariable(String name, String type) {}
