package dev.firmament.protocol.server;

import dev.firmament.protocol.StatusReport;

/**
 * A status report as the gateway hands it to listeners.
 *
 * @param deviceId the device that sent it, taken from the MQTT topic (the device's authenticated
 *     identity), never from the payload
 * @param report the report; its {@code updateId} is the device's current update
 */
public record DeviceReport(String deviceId, StatusReport report) {}
