package dev.firmament.api.access;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The grants of recently used credentials, kept for at most {@code ttl} so that a request does not
 * read its token from PostgreSQL (and wait for a pooled connection) every time.
 *
 * <p>Revocation wins: every change that can narrow a grant notifies {@code firmament_access} when
 * it commits (database triggers, so changes made by any process or by hand count), and this process
 * then drops everything it kept. While the listening connection is down, nothing is kept and every
 * request reads its grant. A grant read before a change but stored after its notification was
 * handled is not kept either (a generation counter), so the window in which a revoked credential
 * still passes is the time the notification takes to arrive. Only grants that were found are kept;
 * an unknown credential is read every time.
 */
public class GrantCache implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(GrantCache.class);
  static final String CHANNEL = "firmament_access";

  /** At most this many grants are kept; beyond it the cache starts again empty. */
  private static final int MAX_ENTRIES = 100_000;

  private final DataSource dataSource;
  private final Duration ttl;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private volatile boolean listening;
  private volatile boolean running;
  private Thread thread;

  private record Entry(Object grant, long expiresAtNanos, long generation) {}

  public GrantCache(DataSource dataSource, Duration ttl) {
    this.dataSource = dataSource;
    this.ttl = ttl;
  }

  /**
   * The grant {@code key} names: the one kept when it is fresh, else {@code load}'s, kept when it
   * found one and no change was announced meanwhile.
   */
  @SuppressWarnings("unchecked")
  public <T> Optional<T> get(String key, Supplier<Optional<T>> load) {
    if (!enabled()) {
      return load.get();
    }
    long now = System.nanoTime();
    long current = generation.get();
    Entry entry = entries.get(key);
    if (entry != null && entry.generation == current && now - entry.expiresAtNanos < 0) {
      return Optional.of((T) entry.grant);
    }
    Optional<T> loaded = load.get();
    loaded.ifPresent(grant -> keep(key, grant, current, now));
    return loaded;
  }

  /** Replaces a kept grant by a newer reading of the same credential (its last use, say). */
  public void refresh(String key, Object grant) {
    entries.computeIfPresent(key, (k, old) -> new Entry(grant, old.expiresAtNanos, old.generation));
  }

  /** Drops every kept grant: a change was announced, or this process made one. */
  public void invalidateAll() {
    generation.incrementAndGet();
    entries.clear();
  }

  /** Whether grants are kept at all: a positive time to live and a listening connection. */
  public boolean enabled() {
    return !ttl.isZero() && listening;
  }

  private void keep(String key, Object grant, long atGeneration, long now) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(key, new Entry(grant, now + ttl.toNanos(), atGeneration));
    // A change announced while the grant was read: what was read may be from before it.
    if (generation.get() != atGeneration) {
      entries.remove(key);
    }
  }

  @Override
  public synchronized void start() {
    if (running || ttl.isZero()) {
      return;
    }
    running = true;
    thread = Thread.ofPlatform().name("grant-cache").daemon().start(this::run);
  }

  @Override
  public synchronized void stop() {
    running = false;
    listening = false;
    invalidateAll();
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private void run() {
    long backoff = 100;
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + CHANNEL);
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        // Changes made before LISTEN took effect were not announced to us: start empty.
        invalidateAll();
        listening = true;
        backoff = 100;
        while (running) {
          PGNotification[] notifications = pg.getNotifications(1_000);
          if (notifications != null && notifications.length > 0) {
            invalidateAll();
          }
          if (!connection.isValid(1)) {
            throw new SQLException("the listening connection is no longer valid");
          }
        }
      } catch (SQLException | RuntimeException e) {
        listening = false;
        invalidateAll();
        if (!running) {
          return;
        }
        log.warn(
            "grant cache lost its connection, reading every grant until it is back, again in {}"
                + " ms: {}",
            backoff,
            e.getMessage());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = Math.min(backoff * 2, 5_000);
      } finally {
        listening = false;
      }
    }
  }
}
