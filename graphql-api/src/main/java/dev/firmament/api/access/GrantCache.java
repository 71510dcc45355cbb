package dev.firmament.api.access;

import dev.firmament.api.ListeningThread;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
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

  private final Duration ttl;
  private final ListeningThread listener;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private volatile boolean listening;

  private record Entry(Object grant, long expiresAtNanos, long generation) {}

  public GrantCache(DataSource dataSource, Duration ttl) {
    this.ttl = ttl;
    // While the connection is lost, nothing is kept: every grant is read until it is back.
    this.listener =
        new ListeningThread(
            "grant-cache",
            dataSource,
            CHANNEL,
            this::listen,
            () -> {
              listening = false;
              invalidateAll();
            },
            log);
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
    if (!ttl.isZero()) {
      listener.start();
    }
  }

  @Override
  public synchronized void stop() {
    listener.stop();
    listening = false;
    invalidateAll();
  }

  @Override
  public boolean isRunning() {
    return listener.isRunning();
  }

  /**
   * Keeps grants while the connection listens, and drops them all on any announced change; changes
   * made before LISTEN took effect were not announced, so it starts empty.
   */
  private void listen(Connection connection, PGConnection pg, BooleanSupplier running)
      throws SQLException {
    invalidateAll();
    listening = true;
    try {
      while (running.getAsBoolean()) {
        PGNotification[] notifications = pg.getNotifications(1_000);
        if (notifications != null && notifications.length > 0) {
          invalidateAll();
        }
        if (!connection.isValid(1)) {
          throw new SQLException("the listening connection is no longer valid");
        }
      }
    } finally {
      listening = false;
    }
  }
}
