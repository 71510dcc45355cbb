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
 * are idempotent on each (source, target) pair, so nothing is built twice.
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
    List<UUID> pending = firmware.pendingDeltaBuilds();
    for (UUID id : pending) {
      starter.start(id);
    }
    if (!pending.isEmpty()) {
      log.info("unfinished delta builds asked for again count={}", pending.size());
    }
  }
}
