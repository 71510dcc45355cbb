package dev.firmament.protocol.server;

import dev.firmament.protocol.NetworkMessage;
import java.time.Instant;

/**
 * A network message a device published (what configuration it holds, or its answer to one), as the
 * gateway received it.
 *
 * @param deviceId the device, from the MQTT topic
 * @param message what it published
 * @param receivedAt when the gateway received it
 */
public record DeviceNetworkReport(String deviceId, NetworkMessage message, Instant receivedAt) {}
