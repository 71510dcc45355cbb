package dev.firmament.api.product;

import java.time.OffsetDateTime;
import java.util.UUID;

public record Product(UUID id, String slug, String name, OffsetDateTime createdAt) {}
