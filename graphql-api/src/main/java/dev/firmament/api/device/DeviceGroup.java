package dev.firmament.api.device;

import java.util.UUID;

public record DeviceGroup(UUID id, UUID productId, String name) {}
