package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A JSON message a device publishes on {@code fw/{deviceId}/ledger}: a sync request ({@code
 * "sync"}, {@link LedgerSync}) or a write to one of its device-to-cloud ledgers ({@code "write"},
 * {@link LedgerWrite}). The cloud answers on the device's cmd topic ({@link LedgerCopy}, {@link
 * LedgerAck}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = LedgerSync.class, name = "sync"),
  @JsonSubTypes.Type(value = LedgerWrite.class, name = "write")
})
public sealed interface LedgerMessage permits LedgerSync, LedgerWrite {}
