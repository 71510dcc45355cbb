package dev.firmament.protocol.server;

import dev.firmament.protocol.LedgerMessage;
import java.time.Instant;

/**
 * A ledger message a device published (a sync request or a device-to-cloud write), as the gateway
 * received it.
 *
 * @param deviceId the device, from the MQTT topic
 * @param message what it published
 * @param receivedAt when the gateway received it
 */
public record DeviceLedgerReport(String deviceId, LedgerMessage message, Instant receivedAt) {}
