package dev.firmament.protocol.server;

/**
 * Counters of one gateway since it started.
 *
 * @param activeDeliveries deliveries offered and not yet ended by a terminal report, a cancel or a
 *     newer update
 * @param bytesSent artifact payload bytes published, resends included
 * @param chunksSent chunk frames published, resends included
 * @param bytesInFlight payload bytes published but not yet acknowledged, over all deliveries
 * @param maxBytesInFlight the gateway's budget for {@code bytesInFlight}; 0 when it has none
 */
public record GatewayStats(
    int activeDeliveries,
    long bytesSent,
    long chunksSent,
    long bytesInFlight,
    long maxBytesInFlight) {}
