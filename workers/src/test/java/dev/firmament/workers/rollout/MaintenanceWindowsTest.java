package dev.firmament.workers.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.WindowState;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MaintenanceWindowsTest {
  /** Every day at 02:00 in Berlin, for two hours. */
  private static final MaintenanceWindow NIGHTLY =
      new MaintenanceWindow("0 0 2 * * *", Duration.ofHours(2), "Europe/Berlin");

  private static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  @Test
  void insideTheWindowItIsOpenUntilItsEnd() {
    // 02:30 Berlin in winter is 01:30 UTC.
    WindowState state = MaintenanceWindows.at(NIGHTLY, at("2026-01-10T01:30:00Z"));
    assertThat(state.open()).isTrue();
    assertThat(state.opensAt()).isEqualTo(at("2026-01-10T01:00:00Z"));
    assertThat(state.closesAt()).isEqualTo(at("2026-01-10T03:00:00Z"));
  }

  @Test
  void exactlyAtTheOpeningItIsOpen() {
    assertThat(MaintenanceWindows.at(NIGHTLY, at("2026-01-10T01:00:00Z")).open()).isTrue();
  }

  @Test
  void exactlyAtTheCloseItIsClosedUntilTheNextNight() {
    WindowState state = MaintenanceWindows.at(NIGHTLY, at("2026-01-10T03:00:00Z"));
    assertThat(state.open()).isFalse();
    assertThat(state.opensAt()).isEqualTo(at("2026-01-11T01:00:00Z"));
  }

  @Test
  void theZoneDecidesTheInstantAcrossDaylightSaving() {
    // In summer 02:00 Berlin is 00:00 UTC.
    WindowState state = MaintenanceWindows.at(NIGHTLY, at("2026-07-10T12:00:00Z"));
    assertThat(state.open()).isFalse();
    assertThat(state.opensAt()).isEqualTo(at("2026-07-11T00:00:00Z"));
  }
}
