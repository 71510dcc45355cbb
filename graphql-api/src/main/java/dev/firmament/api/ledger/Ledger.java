package dev.firmament.api.ledger;

import java.time.OffsetDateTime;

/** {@code Ledger}: a ledger definition of an organization. */
public record Ledger(
    String id,
    String name,
    String description,
    String scope,
    String direction,
    String createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {}
