package dev.firmament.protocol.server;

/**
 * Counters of one gateway since it started.
 *
 * @param activeDeliveries deliveries still pushing or waiting for bytes to be acknowledged
 * @param bytesSent artifact payload bytes published, resends included
 * @param chunksSent chunk frames published, resends included
 * @param bytesInFlight payload bytes published but not yet acknowledged, over all deliveries
 */
public record GatewayStats(
    int activeDeliveries, long bytesSent, long chunksSent, long bytesInFlight) {}
