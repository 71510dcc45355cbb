package dev.firmament.orchestrator.rollout;

import java.time.Duration;

/**
 * When new device updates may start: each time the Spring-style six-field {@code cron} fires, a
 * window of {@code duration} opens, in {@code zone}. Updates already running when a window closes
 * run to their end.
 */
public record MaintenanceWindow(String cron, Duration duration, String zone) {
  public MaintenanceWindow {
    if (cron == null || cron.isBlank()) {
      throw new IllegalArgumentException("cron is required");
    }
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("window duration must be positive");
    }
    zone = zone == null || zone.isBlank() ? "UTC" : zone;
  }
}
