package dev.firmament.protocol.server;

import dev.firmament.protocol.DeviceEvent;
import java.time.Instant;

/**
 * An event a device published, as the gateway received it.
 *
 * @param deviceId the device, from the MQTT topic
 * @param event what it published
 * @param receivedAt when the gateway received it
 */
public record DeviceEventReport(String deviceId, DeviceEvent event, Instant receivedAt) {}
