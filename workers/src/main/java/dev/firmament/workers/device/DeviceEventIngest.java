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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.Row9;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
  private static final Logger log = LoggerFactory.getLogger(DeviceEventIngest.class);
  static final int MAX_BATCH = 1000;
  static final int BACKFILL_BURST = 100;
  private static final int MAX_TRACKED_DEVICES = 200_000;

  private final DSLContext dsl;
  private final double rate;
  private final double burst;
  private final BlockingQueue<DeviceEventReport> queue;
  private final Thread writer;
  private volatile boolean stopping;

  /** Tokens per device, least recently used first; touched only on the gateway's event thread. */
  private final Map<String, Bucket> backfillBuckets =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
          return size() > MAX_TRACKED_DEVICES;
        }
      };

  private final Map<String, Bucket> buckets =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
          return size() > MAX_TRACKED_DEVICES;
        }
      };

  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong overRate = new AtomicLong();
  private final AtomicLong overQueue = new AtomicLong();
  private final AtomicLong unknown = new AtomicLong();

  public DeviceEventIngest(
      DSLContext dsl,
      DeviceGateway gateway,
      @Value("${firmament.events.device-rate:1}") double rate,
      @Value("${firmament.events.device-burst:4}") int burst,
      @Value("${firmament.events.queue:100000}") int queueCapacity) {
    if (!(rate > 0) || burst < 1 || queueCapacity < 1) {
      throw new IllegalArgumentException(
          "firmament.events.device-rate must be positive, device-burst and queue at least 1");
    }
    this.dsl = dsl;
    this.rate = rate;
    this.burst = burst;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new Thread(this::run, "device-event-ingest");
    writer.setDaemon(true);
    writer.start();
    gateway.onEvent(this::accept);
  }

  /** Counts of what happened to events so far. */
  public record Counts(long stored, long overRate, long overQueue, long unknownDevice) {}

  public Counts counts() {
    return new Counts(stored.get(), overRate.get(), overQueue.get(), unknown.get());
  }

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }
  }

  /** Takes an event from the gateway: within the device's rate, into the queue. */
  void accept(DeviceEventReport report) {
    long now = System.nanoTime();
    boolean backfill = report.event().isBackfill();
    double allowance = backfill ? Math.max(burst, BACKFILL_BURST) : burst;
    Bucket bucket =
        (backfill ? backfillBuckets : buckets)
            .computeIfAbsent(report.deviceId(), id -> new Bucket(allowance, now));
    bucket.tokens = Math.min(allowance, bucket.tokens + (now - bucket.updatedNanos) / 1e9 * rate);
    bucket.updatedNanos = now;
    if (bucket.tokens < 1) {
      if (overRate.incrementAndGet() % 1000 == 1) {
        log.warn(
            "device events over the rate dropped device={} total={}",
            report.deviceId(),
            overRate.get());
      }
      return;
    }
    bucket.tokens -= 1;
    if (!queue.offer(report) && overQueue.incrementAndGet() % 1000 == 1) {
      log.warn("device events dropped, the ingest queue is full total={}", overQueue.get());
    }
  }

  private void run() {
    List<DeviceEventReport> batch = new ArrayList<>(MAX_BATCH);
    while (!stopping || !queue.isEmpty()) {
      try {
        DeviceEventReport first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("device events not stored count={} error={}", batch.size(), e.toString());
      } finally {
        batch.clear();
      }
    }
  }

  /** Stores a batch in one statement; returns how many were stored. */
  // A generic array of rows for jOOQ's VALUES: its element type is the rows' own.
  @SuppressWarnings("unchecked")
  int write(List<DeviceEventReport> batch) {
    List<Row9<String, String, String, Integer, String, OffsetDateTime, Integer, String, Boolean>>
        rows = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      DeviceEventReport r = batch.get(i);
      Instant published = r.receivedAt();
      if (r.event().isBackfill() && r.event().publishedAt().isBefore(published)) {
        published = r.event().publishedAt();
      }
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
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!queue.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return queue.isEmpty();
  }

  @Override
  public void destroy() throws InterruptedException {
    stopping = true;
    writer.join(5_000);
  }
}
