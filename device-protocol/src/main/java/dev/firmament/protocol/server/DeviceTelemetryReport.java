package dev.firmament.protocol.server;

import dev.firmament.protocol.Telemetry;
import java.time.Instant;

/**
 * Vitals or log lines a device published, as the gateway received them.
 *
 * @param deviceId the device, from the MQTT topic
 * @param telemetry what it published
 * @param receivedAt when the gateway received it
 */
public record DeviceTelemetryReport(String deviceId, Telemetry telemetry, Instant receivedAt) {}
