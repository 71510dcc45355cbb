package dev.firmament.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 (zonky embedded binaries) running as a child process, listening on localhost.
 *
 * <p>The cluster lives in the given data directory and is kept when the server stops: a second
 * start on the same directory finds the previous data ({@code initdb} only runs when the directory
 * holds no cluster yet). The database {@value #DATABASE} is created on first start. Authentication
 * is {@code trust} on the local interface; the user is the superuser {@value #USERNAME}.
 *
 * <p>If the JVM of a previous start was killed, its server may still be running on the directory; a
 * start stops that server first (see {@link LeftoverPostmaster}), so no manual step is needed.
 */
public final class EmbeddedPostgres implements AutoCloseable {

  /** The database Firmament uses. */
  public static final String DATABASE = "firmament";

  /** The database user (superuser of the embedded cluster). */
  public static final String USERNAME = "postgres";

  /** The password handed to clients; the embedded cluster trusts local connections. */
  public static final String PASSWORD = "postgres";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

  /** How long a start waits for a server left running by a killed JVM to shut down. */
  private static final Duration LEFTOVER_STOP_TIMEOUT = Duration.ofSeconds(30);

  private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
  private boolean closed;

  private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on {@code dataDir} and makes sure database {@value #DATABASE} exists.
   *
   * @param dataDir the cluster directory; created (and initialised) if missing
   * @param port TCP port, or 0 for a free one
   */
  public static EmbeddedPostgres start(Path dataDir, int port) {
    return start(dataDir, port, true);
  }

  /**
   * As {@link #start(Path, int)}; {@code exitHook} false leaves stopping it at JVM exit to the
   * owner's {@link #close()}.
   */
  public static EmbeddedPostgres start(Path dataDir, int port, boolean exitHook) {
    Objects.requireNonNull(dataDir, "dataDir");
    FreePorts.checkPort(port);
    ThirdPartyLogging.quiet();
    io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
    try {
      Files.createDirectories(dataDir);
      LeftoverPostmaster.stopIfRunning(dataDir, LEFTOVER_STOP_TIMEOUT);
      postgres =
          io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              .setPort(port)
              .setPGStartupWait(Duration.ofSeconds(30))
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setRegisterShutdownHook(exitHook)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not start on " + dataDir, e);
    }
    EmbeddedPostgres started = new EmbeddedPostgres(postgres);
    try {
      started.createDatabaseIfMissing();
    } catch (SQLException | RuntimeException e) {
      started.close();
      throw new IllegalStateException("cannot create database " + DATABASE, e);
    }
    log.debug("PostgreSQL listening on port {} (dir {})", postgres.getPort(), dataDir);
    return started;
  }

  /** {@code jdbc:postgresql://127.0.0.1:PORT/firmament}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
  }

  public String username() {
    return USERNAME;
  }

  public String password() {
    return PASSWORD;
  }

  public int port() {
    return postgres.getPort();
  }

  /** Stops PostgreSQL (fast shutdown) and keeps the data directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not stop cleanly", e);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedPostgres[" + jdbcUrl() + "]";
  }

  private void createDatabaseIfMissing() throws SQLException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection()) {
      try (PreparedStatement exists =
          connection.prepareStatement("select 1 from pg_database where datname = ?")) {
        exists.setString(1, DATABASE);
        try (ResultSet rs = exists.executeQuery()) {
          if (rs.next()) {
            return;
          }
        }
      }
      try (Statement create = connection.createStatement()) {
        create.execute("create database " + DATABASE + " encoding 'UTF8'");
      }
    }
  }
}
