package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.EVENTS;

import dev.firmament.protocol.server.DeviceEventReport;
import dev.firmament.protocol.server.DeviceGateway;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.Row9;
import org.jooq.impl.DSL;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Stores the events devices publish. Each device may publish {@code firmament.events.device-rate}
 * events per second on average (1) with bursts of {@code firmament.events.device-burst} (4), the
 * device cloud's usual allowance; what goes over is dropped and counted. Accepted events queue up
 * (at most {@code firmament.events.queue} of them; beyond that they are dropped and counted) and
 * one thread writes what queued, up to {@value #MAX_BATCH} at a time, in one statement that takes
 * each device's organization and product from its row: an event of a device nobody registered is
 * not stored. The statement's trigger puts every event on the change feed, so live subscribers hear
 * it.
 */
@Component
public class DeviceEventIngest implements DisposableBean {
  static final int MAX_BATCH = IngestQueue.MAX_BATCH;
  static final int BACKFILL_BURST = IngestQueue.BACKFILL_BURST;

  private final DSLContext dsl;
  private final IngestQueue<DeviceEventReport> queue;
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong unknown = new AtomicLong();

  public DeviceEventIngest(
      DSLContext dsl,
      DeviceGateway gateway,
      @Value("${firmament.events.device-rate:1}") double rate,
      @Value("${firmament.events.device-burst:4}") int burst,
      @Value("${firmament.events.queue:100000}") int queueCapacity) {
    this.dsl = dsl;
    this.queue =
        new IngestQueue<>(
            "device events", "firmament.events", rate, burst, queueCapacity, this::write);
    gateway.onEvent(this::accept);
  }

  /** Counts of what happened to events so far. */
  public record Counts(long stored, long overRate, long overQueue, long unknownDevice) {}

  public Counts counts() {
    return new Counts(stored.get(), queue.overRate(), queue.overQueue(), unknown.get());
  }

  /** Takes an event from the gateway: within the device's rate, into the queue. */
  void accept(DeviceEventReport report) {
    queue.accept(report.deviceId(), report.event().isBackfill(), report);
  }

  /** Stores a batch in one statement; returns how many were stored. */
  // A generic array of rows for jOOQ's VALUES: its element type is the rows' own.
  @SuppressWarnings("unchecked")
  int write(List<DeviceEventReport> batch) {
    List<Row9<String, String, String, Integer, String, OffsetDateTime, Integer, String, Boolean>>
        rows = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      DeviceEventReport r = batch.get(i);
      Instant published = IngestQueue.believable(r.event().publishedAt(), r.receivedAt());
      rows.add(
          DSL.row(
              r.deviceId(),
              r.event().name(),
              r.event().data(),
              r.event().ttl(),
              r.event().scope(),
              published.atOffset(ZoneOffset.UTC),
              i,
              "device",
              r.event().isBackfill()));
    }
    var values =
        DSL.values(rows.toArray(Row9[]::new))
            .as(
                "v",
                "device_id",
                "name",
                "data",
                "ttl",
                "scope",
                "published_at",
                "ord",
                "source",
                "backfilled");
    int written =
        dsl.insertInto(
                EVENTS,
                EVENTS.ORGANIZATION_ID,
                EVENTS.PRODUCT_ID,
                EVENTS.DEVICE_ID,
                EVENTS.NAME,
                EVENTS.DATA,
                EVENTS.TTL_SECONDS,
                EVENTS.SCOPE,
                EVENTS.SOURCE,
                EVENTS.PUBLISHED_AT,
                EVENTS.BACKFILLED)
            .select(
                dsl.select(
                        DEVICES.ORGANIZATION_ID,
                        DEVICES.PRODUCT_ID,
                        values.field("device_id", String.class),
                        values.field("name", String.class),
                        values.field("data", String.class),
                        values.field("ttl", Integer.class),
                        values.field("scope", String.class),
                        values.field("source", String.class),
                        values.field("published_at", OffsetDateTime.class),
                        values.field("backfilled", Boolean.class))
                    .from(values)
                    .join(DEVICES)
                    .on(DEVICES.ID.eq(values.field("device_id", String.class)))
                    .orderBy(values.field("ord")))
            .execute();
    stored.addAndGet(written);
    unknown.addAndGet(batch.size() - written);
    return written;
  }

  /** Waits up to {@code timeout} for what is queued to be written. */
  public boolean drain(Duration timeout) throws InterruptedException {
    return queue.drain(timeout);
  }

  @Override
  public void destroy() throws InterruptedException {
    queue.stop();
  }
}
