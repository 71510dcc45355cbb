package dev.firmament.api.usage;

import java.time.LocalDate;

/**
 * The seed's {@code SimDataUsage}: the bytes of one SIM's device in one period, by source. The
 * platform's measurement ({@link #measuredBytes()}) and the device's own count ({@link
 * #deviceReportedBytes()}) are kept apart: the device's count also holds what the platform does not
 * see (protocol framing, TLS, other connections), the platform's holds a device that does not
 * report.
 */
public record SimDataUsage(
    String simId,
    String period,
    LocalDate start,
    LocalDate end,
    long otaBytes,
    long callBytes,
    long eventBytes,
    long ledgerBytes,
    long deviceReportedBytes) {

  /** Everything the platform measured: OTA delivery, calls, events and ledger sync. */
  public long measuredBytes() {
    return otaBytes + callBytes + eventBytes + ledgerBytes;
  }

  /** The larger of the two counts: the closest to what the carrier bills. */
  public long usedBytes() {
    return Math.max(measuredBytes(), deviceReportedBytes);
  }
}
