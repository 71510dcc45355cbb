package dev.firmament.workers.usage;

import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Writes what the gateway counted for each device (firmware chunks and ledger messages, which only
 * the gateway sees cross) to the devices' usage: every {@code firmament.usage.flush-interval} (5 s)
 * and once more when the workers stop, in one statement that adds it to each device's SIM and
 * product for today (the database's {@code record_usage}, the same function the triggers of the
 * other sources call). What a failed write held is kept and written with the next one, so a
 * database restart loses nothing; a killed worker loses at most one interval's count.
 */
@Component
public class UsageFlush implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(UsageFlush.class);

  private final DSLContext dsl;
  private final DeviceGateway gateway;
  private final ScheduledExecutorService timer;
  private final Map<String, DeviceUsage> pending = new HashMap<>();

  public UsageFlush(
      DSLContext dsl,
      DeviceGateway gateway,
      @Value("${firmament.usage.flush-interval:5s}") Duration interval) {
    this.dsl = dsl;
    this.gateway = gateway;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("firmament-usage-flush").daemon().factory());
    long millis = Math.max(1, interval.toMillis());
    timer.scheduleWithFixedDelay(this::flushQuietly, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      log.warn("cannot write the devices' usage yet, kept for the next attempt: {}", e.toString());
    }
  }

  /**
   * Writes what the gateway counted since the last flush (and what a failed flush kept).
   *
   * @return the devices written
   */
  public synchronized int flush() {
    gateway.drainUsage().forEach((id, usage) -> pending.merge(id, usage, DeviceUsage::plus));
    if (pending.isEmpty()) {
      return 0;
    }
    List<String> ids = new ArrayList<>(pending.keySet());
    ids.sort(null);
    int n = ids.size();
    Long[] ota = new Long[n];
    Long[] ledger = new Long[n];
    Long[] syncs = new Long[n];
    Long[] zero = new Long[n];
    for (int i = 0; i < n; i++) {
      DeviceUsage u = pending.get(ids.get(i));
      ota[i] = u.otaBytes();
      ledger[i] = u.ledgerBytes();
      syncs[i] = u.ledgerSyncs();
      zero[i] = 0L;
    }
    var bigints = SQLDataType.BIGINT.array();
    dsl.execute(
        "select record_usage({0}, {1}, {2}, {2}, {3}, {2}, {2}, {2}, {2}, {4})",
        DSL.val(ids.toArray(String[]::new), SQLDataType.VARCHAR.array()),
        DSL.val(ota, bigints),
        DSL.val(zero, bigints),
        DSL.val(ledger, bigints),
        DSL.val(syncs, bigints));
    pending.clear();
    return n;
  }

  @Override
  public void destroy() {
    timer.shutdownNow();
    flushQuietly();
  }
}
