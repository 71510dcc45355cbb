package dev.firmament.api.product;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A product: devices that share firmware.
 *
 * @param fleetId the fleet the product belongs to, or null
 */
public record Product(UUID id, String slug, String name, OffsetDateTime createdAt, UUID fleetId) {}
