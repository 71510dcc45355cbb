package dev.firmament.workers.outbox;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Sends what the API leaves in an outbox table for devices: the API writes a row in the transaction
 * of each change, whose trigger notifies a channel. One daemon thread LISTENs there and, at each
 * notification and at least every {@value #CHECK_SECONDS} seconds (a notification sent while no
 * worker listened), drains the outbox in batches of {@value #BATCH}, each batch one transaction in
 * which {@link #sendBatch} claims its rows with {@code skip locked} (so that of several workers one
 * handles each row) and sends them. A lost connection is retried with a backoff of up to 5 s.
 *
 * <p>A subclass calls {@link #start} at the end of its constructor, once its own fields are set.
 */
public abstract class OutboxSender implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(OutboxSender.class);

  /** The longest wait between two drains. */
  public static final int CHECK_SECONDS = 5;

  /**
   * The longest a wait for a notification lasts before the thread looks at whether it should stop:
   * the driver's wait is a socket read, which an interrupt does not end.
   */
  static final int WAKE_MILLIS = 250;

  /** Rows claimed per transaction. */
  protected static final int BATCH = 100;

  private final DSLContext dsl;
  private final String name;
  private final String channel;
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean running = true;
  private Thread thread;

  /**
   * @param name the thread's name and the logs' word for it ({@code ledger-pushes})
   * @param channel the channel the outbox's trigger notifies
   */
  protected OutboxSender(DSLContext dsl, String name, String channel) {
    this.dsl = dsl;
    this.name = name;
    this.channel = channel;
  }

  /** Starts the sending thread. */
  protected final void start() {
    thread = Thread.ofPlatform().name(name).daemon().start(this::run);
  }

  /**
   * Claims up to {@code limit} rows in {@code tx} and sends them; returns how many rows it claimed.
   * Each message sent is counted with {@link #countSent}.
   */
  protected abstract int sendBatch(DSLContext tx, int limit);

  /** Counts one message sent to a device. */
  protected final void countSent() {
    sent.incrementAndGet();
  }

  /** Messages sent so far. */
  public long sent() {
    return sent.get();
  }

  private void run() {
    long backoff = 100;
    while (running) {
      try {
        dsl.connection(
            connection -> {
              connection.setAutoCommit(true);
              try (Statement statement = connection.createStatement()) {
                statement.execute("LISTEN " + channel);
              }
              PGConnection pg = connection.unwrap(PGConnection.class);
              while (running) {
                drain();
                awaitNotification(pg);
              }
            });
        backoff = 100;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        log.warn("{} lost their connection, again in {} ms: {}", name, backoff, e.toString());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /**
   * Returns at the first notification, after {@value #CHECK_SECONDS} seconds, or within {@value
   * #WAKE_MILLIS} ms of {@link #destroy}, whichever comes first.
   */
  private void awaitNotification(PGConnection pg) throws SQLException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHECK_SECONDS);
    while (running) {
      long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
      if (left <= 0) {
        return;
      }
      // A timeout of 0 would wait for ever.
      PGNotification[] notifications = pg.getNotifications(Math.clamp(left, 1, WAKE_MILLIS));
      if (notifications != null && notifications.length > 0) {
        return;
      }
    }
  }

  /** Handles every row waiting now; returns how many. */
  public int drain() {
    int handled = 0;
    while (running) {
      int batch = dsl.transactionResult(configuration -> sendBatch(configuration.dsl(), BATCH));
      handled += batch;
      if (batch < BATCH) {
        return handled;
      }
    }
    return handled;
  }

  @Override
  public void destroy() throws InterruptedException {
    running = false;
    if (thread != null) {
      thread.interrupt();
      thread.join(5_000);
    }
  }
}
