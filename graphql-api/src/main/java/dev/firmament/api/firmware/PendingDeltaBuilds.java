package dev.firmament.api.firmware;

import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * On start, asks again for every delta build that PostgreSQL shows as unfinished. A build that
 * Temporal still knows is left alone (its workflow id is taken, so the start is refused); one that
 * Temporal lost (the embedded server keeps its state in memory) starts afresh, and its activities
 * are idempotent on each (source, target) pair, so nothing is built twice. It runs in the
 * background: the API serves at once, whatever Temporal answers (a start Temporal refuses or does
 * not answer costs its time there, not the API's start; with many unfinished builds that was
 * minutes).
 */
@Component
public class PendingDeltaBuilds implements ApplicationRunner {
  private static final Logger log = LoggerFactory.getLogger(PendingDeltaBuilds.class);

  private final FirmwareRepository firmware;
  private final DeltaBuildStarter starter;

  public PendingDeltaBuilds(FirmwareRepository firmware, DeltaBuildStarter starter) {
    this.firmware = firmware;
    this.starter = starter;
  }

  @Override
  public void run(ApplicationArguments args) {
    Thread.ofPlatform().daemon().name("pending-delta-builds").start(this::askAgain);
  }

  /** Asks again for each unfinished build; one that cannot be asked for costs no other. */
  void askAgain() {
    List<UUID> pending;
    try {
      pending = firmware.pendingDeltaBuilds();
    } catch (RuntimeException e) {
      log.warn("unfinished delta builds not read error={}", e.toString());
      return;
    }
    int asked = 0;
    for (UUID id : pending) {
      try {
        starter.start(id);
        asked++;
      } catch (RuntimeException e) {
        log.warn(
            "unfinished delta build not asked for again firmware={} error={}", id, e.toString());
      }
    }
    if (!pending.isEmpty()) {
      log.info("unfinished delta builds asked for again count={} of={}", asked, pending.size());
    }
  }
}
