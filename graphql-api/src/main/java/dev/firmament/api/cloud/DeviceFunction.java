package dev.firmament.api.cloud;

/** A function a device declared for remote invocation (the seed's {@code Function}). */
public record DeviceFunction(String name) {}
