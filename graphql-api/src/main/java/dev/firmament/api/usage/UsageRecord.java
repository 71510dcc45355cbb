package dev.firmament.api.usage;

import java.time.LocalDate;

/**
 * The seed's {@code UsageRecord}: one product's usage on one UTC day. A data operation is one
 * device event, one function call or variable read that reached the device, or one ledger document
 * exchanged (docs/connectivity.md, "Data operations"); firmware delivery is not one, its bytes
 * count in {@link #bytes()}.
 */
public record UsageRecord(
    String productId,
    LocalDate date,
    long functionCalls,
    long variableReads,
    long events,
    long ledgerSyncs,
    long otaBytes,
    long callBytes,
    long eventBytes,
    long ledgerBytes,
    long deviceReportedBytes) {

  /** {@code productId/date}: a product has one record a day. */
  public String id() {
    return productId + "/" + date;
  }

  public long dataOperations() {
    return functionCalls + variableReads + events + ledgerSyncs;
  }

  /** What the platform measured for the product's devices that day. */
  public long bytes() {
    return otaBytes + callBytes + eventBytes + ledgerBytes;
  }

  /** What {@code login.usageRecords} keeps; every condition given holds. */
  public record Filter(String productId, String fromDate, String toDate) {}
}
