package dev.firmament.devstack;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Runs in a child JVM for {@link EmbeddedPostgresCrashRestartTest}: starts PostgreSQL on the data
 * directory given as the only argument, writes one row, prints {@code ready PORT} and waits to be
 * killed.
 */
public final class PostgresChildMain {

  private PostgresChildMain() {}

  public static void main(String[] args) throws Exception {
    EmbeddedPostgres postgres = EmbeddedPostgres.start(Path.of(args[0]), 0);
    try (Connection db =
            DriverManager.getConnection(
                postgres.jdbcUrl(), postgres.username(), postgres.password());
        Statement statement = db.createStatement()) {
      // The embedded cluster runs with synchronous_commit=off (the library's default); this
      // session commits synchronously so that the row survives even a kill of the server itself.
      statement.execute("set synchronous_commit = on");
      statement.execute("create table before_crash (note text not null)");
      statement.execute("insert into before_crash values ('written before kill -9')");
    }
    System.out.println("ready " + postgres.port());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
