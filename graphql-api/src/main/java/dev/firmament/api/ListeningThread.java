package dev.firmament.api;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;

/**
 * A thread of its own holding one connection that LISTENs on a PostgreSQL channel, handed to the
 * owner's {@link Session} until the session fails or the thread stops; a lost connection is opened
 * again after a backoff (100 ms, doubling up to 5 s), and the owner is told each time ({@code
 * onLost}), so that it can stop trusting what the notifications kept true.
 */
public final class ListeningThread {
  private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]*");
  private static final long FIRST_BACKOFF_MILLIS = 100;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  /** What runs on the listening connection, while {@code running} holds. */
  @FunctionalInterface
  public interface Session {
    void listen(Connection connection, PGConnection pg, BooleanSupplier running)
        throws SQLException;
  }

  private final String name;
  private final DataSource dataSource;
  private final String channel;
  private final Session session;
  private final Runnable onLost;
  private final Logger log;
  private volatile boolean running;
  private Thread thread;

  /**
   * @param name the thread's name, also how the log names it
   * @param onLost run when the connection is lost, before the backoff (not at a stop)
   * @param log the owner's logger, for the warning about a lost connection
   */
  public ListeningThread(
      String name,
      DataSource dataSource,
      String channel,
      Session session,
      Runnable onLost,
      Logger log) {
    if (!CHANNEL.matcher(channel).matches()) {
      throw new IllegalArgumentException("not a plain channel name: " + channel);
    }
    this.name = name;
    this.dataSource = dataSource;
    this.channel = channel;
    this.session = session;
    this.onLost = onLost;
    this.log = log;
  }

  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = Thread.ofPlatform().name(name).daemon().start(this::run);
  }

  /** Stops the thread and waits up to 5 s for it to end. */
  public synchronized void stop() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public boolean isRunning() {
    return running;
  }

  private void run() {
    long backoff = FIRST_BACKOFF_MILLIS;
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + channel);
        }
        backoff = FIRST_BACKOFF_MILLIS;
        session.listen(connection, connection.unwrap(PGConnection.class), () -> running);
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          return;
        }
        onLost.run();
        log.warn("{} lost its connection, again in {} ms: {}", name, backoff, e.getMessage());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      }
    }
  }
}
