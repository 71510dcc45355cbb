package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A JSON message on {@code fw/{deviceId}/cmd}. The {@code type} property tells the kinds apart:
 * {@code "offer"} or {@code "cancel"} (an update), {@code "ledger"} or {@code "ledgerAck"} (ledger
 * sync, see {@link LedgerCopy} and {@link LedgerAck}), {@code "network"} (a network configuration,
 * see {@link NetworkConfig}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = UpdateOffer.class, name = "offer"),
  @JsonSubTypes.Type(value = CancelUpdate.class, name = "cancel"),
  @JsonSubTypes.Type(value = LedgerCopy.class, name = "ledger"),
  @JsonSubTypes.Type(value = LedgerAck.class, name = "ledgerAck"),
  @JsonSubTypes.Type(value = NetworkConfig.class, name = "network")
})
public sealed interface Command
    permits UpdateOffer, CancelUpdate, LedgerCopy, LedgerAck, NetworkConfig {}
