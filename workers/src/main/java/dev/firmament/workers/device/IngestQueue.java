package dev.firmament.workers.device;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What devices publish on their way to the database: each device within its rate (a token bucket
 * per device: {@code rate} per second on average with bursts of {@code burst}; a backfill, what a
 * device kept while offline, draws from a second bucket of at least {@value #BACKFILL_BURST}), then
 * a bounded queue, then one thread that hands what queued to {@code writer}, up to {@value
 * #MAX_BATCH} at a time. What goes over the rate or finds the queue full is dropped and counted.
 *
 * @param <T> what is queued
 */
public final class IngestQueue<T> {
  private static final Logger log = LoggerFactory.getLogger(IngestQueue.class);
  public static final int MAX_BATCH = 1000;
  public static final int BACKFILL_BURST = 100;
  private static final int MAX_TRACKED_DEVICES = 200_000;

  private final String what;
  private final double rate;
  private final double burst;
  private final Consumer<List<T>> writer;
  private final BlockingQueue<T> queue;
  private final Thread thread;
  private volatile boolean stopping;

  /** Tokens per device, least recently used first; touched only by the caller of accept. */
  private final Map<String, Bucket> buckets = lru();

  private final Map<String, Bucket> backfillBuckets = lru();

  private final AtomicLong overRate = new AtomicLong();
  private final AtomicLong overQueue = new AtomicLong();

  /**
   * @param what names the items in logs and the thread ("device events")
   * @param settings the prefix of the settings the limits come from, for the error a bad one gets
   * @param writer stores a batch
   */
  public IngestQueue(
      String what,
      String settings,
      double rate,
      int burst,
      int capacity,
      Consumer<List<T>> writer) {
    if (!(rate > 0) || burst < 1 || capacity < 1) {
      throw new IllegalArgumentException(
          settings + ".device-rate must be positive, device-burst and queue at least 1");
    }
    this.what = what;
    this.rate = rate;
    this.burst = burst;
    this.writer = writer;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::run, what.replace(' ', '-') + "-ingest");
    thread.setDaemon(true);
    thread.start();
  }

  private static Map<String, Bucket> lru() {
    return new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
        return size() > MAX_TRACKED_DEVICES;
      }
    };
  }

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }
  }

  /** How far back a device's own clock is believed: beyond it, the time of arrival stands. */
  public static final Duration DEVICE_TIME_HORIZON = Duration.ofDays(365);

  /**
   * The time to store for something a device dated itself: its own time when it lies within {@link
   * #DEVICE_TIME_HORIZON} before the arrival, else (a clock ahead of the cloud's, or one years off)
   * the arrival. A device's bad clock never stops its batch from being stored.
   */
  public static Instant believable(Instant deviceTime, Instant receivedAt) {
    if (deviceTime == null
        || deviceTime.isAfter(receivedAt)
        || deviceTime.isBefore(receivedAt.minus(DEVICE_TIME_HORIZON))) {
      return receivedAt;
    }
    return deviceTime;
  }

  /** Items dropped so far because their device went over its rate. */
  public long overRate() {
    return overRate.get();
  }

  /** Items dropped so far because the queue was full. */
  public long overQueue() {
    return overQueue.get();
  }

  /** Takes one item of {@code deviceId}: within the device's rate, into the queue. */
  public void accept(String deviceId, boolean backfill, T item) {
    long now = System.nanoTime();
    double allowance = backfill ? Math.max(burst, BACKFILL_BURST) : burst;
    Bucket bucket =
        (backfill ? backfillBuckets : buckets)
            .computeIfAbsent(deviceId, id -> new Bucket(allowance, now));
    bucket.tokens = Math.min(allowance, bucket.tokens + (now - bucket.updatedNanos) / 1e9 * rate);
    bucket.updatedNanos = now;
    if (bucket.tokens < 1) {
      if (overRate.incrementAndGet() % 1000 == 1) {
        log.warn("{} over the rate dropped device={} total={}", what, deviceId, overRate.get());
      }
      return;
    }
    bucket.tokens -= 1;
    if (!queue.offer(item)) {
      if (overQueue.incrementAndGet() % 1000 == 1) {
        log.warn("{} dropped, the ingest queue is full total={}", what, overQueue.get());
      }
    }
  }

  private void run() {
    List<T> batch = new ArrayList<>(MAX_BATCH);
    while (!stopping || !queue.isEmpty()) {
      try {
        T first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        writer.accept(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("{} not stored count={} error={}", what, batch.size(), e.toString());
      } finally {
        batch.clear();
      }
    }
  }

  /** Waits up to {@code timeout} for what is queued to be written. */
  public boolean drain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!queue.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return queue.isEmpty();
  }

  /** Writes what is queued (for up to five seconds), then stops. */
  public void stop() throws InterruptedException {
    stopping = true;
    thread.join(5_000);
  }
}
