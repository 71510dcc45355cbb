package dev.firmament.protocol.server;

/**
 * What a gateway sent to and received from one device since its meter was last drained.
 *
 * @param otaBytes firmware artifact bytes published in chunks, resends included (the same bytes
 *     {@link GatewayStats#bytesSent()} counts over all devices)
 * @param ledgerBytes ledger message payload bytes, both ways: copies and acknowledgements sent,
 *     sync requests and writes received
 * @param ledgerSyncs ledger documents exchanged: copies pushed to the device and writes it sent
 */
public record DeviceUsage(long otaBytes, long ledgerBytes, long ledgerSyncs) {
  public DeviceUsage {
    if (otaBytes < 0 || ledgerBytes < 0 || ledgerSyncs < 0) {
      throw new IllegalArgumentException(
          "usage must not be negative: " + otaBytes + ", " + ledgerBytes + ", " + ledgerSyncs);
    }
  }

  /** This usage and {@code other}'s together. */
  public DeviceUsage plus(DeviceUsage other) {
    return new DeviceUsage(
        otaBytes + other.otaBytes,
        ledgerBytes + other.ledgerBytes,
        ledgerSyncs + other.ledgerSyncs);
  }
}
