package dev.firmament.api.event;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps the events table's daily partitions: today's and the next {@value #AHEAD} days' exist
 * before events arrive, and a day's partition is dropped, all at once, when its last event is older
 * than {@code firmament.events.retention} (30 days by default). Run at start and every {@code
 * firmament.events.maintenance-interval} (1 hour) by every API process; creating and dropping are
 * idempotent, so processes do not need to agree who does it.
 */
@Component
public class EventPartitions {
  private static final Logger log = LoggerFactory.getLogger(EventPartitions.class);
  static final int AHEAD = 3;

  private final EventRepository events;
  private final Duration retention;
  private final Clock clock;

  public EventPartitions(
      EventRepository events, @Value("${firmament.events.retention:30d}") Duration retention) {
    if (retention.toHours() < 24) {
      throw new IllegalArgumentException("firmament.events.retention must be at least 1d");
    }
    this.events = events;
    this.retention = retention;
    this.clock = Clock.systemUTC();
  }

  @Scheduled(
      initialDelayString = "0s",
      fixedDelayString = "${firmament.events.maintenance-interval:1h}")
  void maintain() {
    try {
      maintain(LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    } catch (RuntimeException e) {
      log.warn("event partitions not maintained, again later: {}", e.getMessage());
    }
  }

  /** Creates the coming days' partitions and drops the expired ones, as of {@code today}. */
  public void maintain(LocalDate today) {
    for (int i = 0; i <= AHEAD; i++) {
      events.createPartition(today.plusDays(i));
    }
    // A day's partition holds events up to its end: it expires when its end is past the retention.
    LocalDate oldestKept = today.minusDays(retention.toDays());
    int dropped = 0;
    for (LocalDate day : events.partitionDays()) {
      if (day.isBefore(oldestKept)) {
        events.dropPartition(day);
        dropped++;
      }
    }
    int pruned = events.pruneDefault(oldestKept.atStartOfDay().atOffset(ZoneOffset.UTC));
    if (dropped > 0 || pruned > 0) {
      log.info(
          "event partitions maintained dropped={} prunedDefault={} retention={}",
          dropped,
          pruned,
          retention);
    }
  }
}
