package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.WindowState;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.springframework.scheduling.support.CronExpression;

/**
 * Where a maintenance window stands at an instant. Cron parsing lives here, in an activity, because
 * workflow code may not depend on Spring; the workflow waits for the instants this returns with
 * timers.
 */
public final class MaintenanceWindows {
  private static final int MAX_FIRES_SCANNED = 100_000;

  private MaintenanceWindows() {}

  public static WindowState at(MaintenanceWindow window, long atEpochMillis) {
    CronExpression cron = CronExpression.parse(window.cron());
    ZoneId zone = ZoneId.of(window.zone());
    ZonedDateTime now = Instant.ofEpochMilli(atEpochMillis).atZone(zone);
    // The window is open when some fire f satisfies f <= now < f + duration; take the latest one.
    ZonedDateTime latestOpen = null;
    ZonedDateTime fire = cron.next(now.minus(window.duration()));
    for (int i = 0; fire != null && !fire.isAfter(now) && i < MAX_FIRES_SCANNED; i++) {
      latestOpen = fire;
      fire = cron.next(fire);
    }
    if (latestOpen != null) {
      long opens = latestOpen.toInstant().toEpochMilli();
      return new WindowState(true, opens, opens + window.duration().toMillis());
    }
    ZonedDateTime next = cron.next(now);
    if (next == null) {
      return new WindowState(false, Long.MAX_VALUE, Long.MAX_VALUE);
    }
    long opens = next.toInstant().toEpochMilli();
    return new WindowState(false, opens, opens + window.duration().toMillis());
  }
}
