package dev.firmament.api.fleet;

import java.time.OffsetDateTime;
import java.util.UUID;

/** Products under one management context ({@code Fleet}). */
public record Fleet(UUID id, String name, String description, OffsetDateTime createdAt) {}
