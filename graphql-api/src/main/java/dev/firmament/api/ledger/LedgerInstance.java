package dev.firmament.api.ledger;

import java.time.OffsetDateTime;

/** {@code LedgerInstance}: a ledger's document for one scope value. */
public record LedgerInstance(
    String id,
    String ledgerName,
    String scope,
    String direction,
    String productId,
    String deviceId,
    String data,
    long version,
    OffsetDateTime updatedAt,
    String updatedBy) {}
