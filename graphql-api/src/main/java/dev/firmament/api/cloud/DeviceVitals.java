package dev.firmament.api.cloud;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A device's vitals as it reported them ({@code DeviceInfo}'s vitals).
 *
 * @param resetReason set in the first report after a start only
 * @param diagnostics its named counters and gauges, by name
 */
public record DeviceVitals(
    String deviceId,
    OffsetDateTime measuredAt,
    OffsetDateTime receivedAt,
    String firmwareVersion,
    long uptimeSeconds,
    String resetReason,
    Long bootCount,
    Long freeMemory,
    Long totalMemory,
    Integer signalStrength,
    Integer signalQuality,
    List<DiagnosticValue> diagnostics,
    boolean backfilled) {

  /** One named counter or gauge. */
  public record DiagnosticValue(String name, double value) {}
}
