package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A JSON message a device publishes on {@code fw/{deviceId}/network}: what network configuration it
 * holds ({@code "sync"}, {@link NetworkSync}, at every connect) or its answer to one it was sent
 * ({@code "ack"}, {@link NetworkAck}). The cloud answers a sync on the device's cmd topic ({@link
 * NetworkConfig}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = NetworkSync.class, name = "sync"),
  @JsonSubTypes.Type(value = NetworkAck.class, name = "ack")
})
public sealed interface NetworkMessage permits NetworkSync, NetworkAck {}
