package dev.firmament.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code kill -9} of the JVM that started PostgreSQL leaves the server running as an orphan that
 * holds the data directory. The next start on that directory must deal with it on its own.
 */
class EmbeddedPostgresCrashRestartTest {

  @TempDir Path dir;

  private final List<ProcessHandle> started = new ArrayList<>();

  @AfterEach
  void stopEverythingThisTestStarted() throws Exception {
    for (ProcessHandle process : started) {
      if (process.isAlive()) {
        // SIGTERM: PostgreSQL's smart shutdown, which its backends follow.
        process.destroy();
        try {
          process.onExit().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          process.destroyForcibly();
        }
      }
    }
  }

  @Test
  void startAfterTheStartingJvmWasKilledStopsTheOrphanAndKeepsTheData() throws Exception {
    Path dataDir = dir.resolve("postgres");
    ProcessHandle orphan = startInAChildJvmAndKillIt(dataDir);
    assertThat(orphan.isAlive()).as("postmaster outlives the killed JVM").isTrue();

    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir, 0)) {
      assertThat(orphan.isAlive()).as("postmaster of the killed JVM").isFalse();
      assertThat(noteWrittenBeforeTheCrash(postgres)).isEqualTo("written before kill -9");
    }
  }

  /** PostgreSQL itself replaces the pid file of a server that is gone; nothing is removed here. */
  @Test
  void startAfterTheServerWasKilledTooRecoversFromItsStalePidFile() throws Exception {
    Path dataDir = dir.resolve("postgres");
    ProcessHandle orphan = startInAChildJvmAndKillIt(dataDir);
    orphan.destroyForcibly();
    orphan.onExit().get(30, TimeUnit.SECONDS);
    assertThat(dataDir.resolve("postmaster.pid")).exists();

    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir, 0)) {
      assertThat(noteWrittenBeforeTheCrash(postgres)).isEqualTo("written before kill -9");
    }
  }

  /** Returns the postmaster the killed child JVM started, which it leaves running. */
  private ProcessHandle startInAChildJvmAndKillIt(Path dataDir) throws Exception {
    Process child =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                System.getProperty("java.class.path"),
                PostgresChildMain.class.getName(),
                dataDir.toString())
            .redirectErrorStream(true)
            .start();
    started.add(child.toHandle());
    String ready = awaitLineStartingWith(child, "ready ", 120);
    assertThat(ready).as("child JVM output").startsWith("ready ");

    long orphanPid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0));
    ProcessHandle orphan = ProcessHandle.of(orphanPid).orElseThrow();
    started.add(orphan);

    // SIGKILL, as kill -9: no shutdown hook of the child runs.
    child.destroyForcibly();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return orphan;
  }

  private static String noteWrittenBeforeTheCrash(EmbeddedPostgres postgres) throws Exception {
    try (Connection db =
            DriverManager.getConnection(
                postgres.jdbcUrl(), postgres.username(), postgres.password());
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery("select note from before_crash")) {
      assertThat(rows.next()).isTrue();
      return rows.getString(1);
    }
  }

  /** Reads the child's output on a separate thread so a silent child cannot hang the test. */
  private static String awaitLineStartingWith(Process child, String prefix, int seconds)
      throws InterruptedException {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (BufferedReader out =
                      new BufferedReader(
                          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                      lines.add(line);
                    }
                  } catch (java.io.IOException e) {
                    // The child was killed; whatever it printed is already queued.
                  }
                });
    StringBuilder output = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      String line =
          Optional.ofNullable(lines.poll(1, TimeUnit.SECONDS)).orElse(child.isAlive() ? null : "");
      if (line == null) {
        continue;
      }
      if (line.startsWith(prefix)) {
        return line;
      }
      if (!child.isAlive() && lines.isEmpty()) {
        break;
      }
      output.append(line).append('\n');
    }
    reader.interrupt();
    return output.toString();
  }
}
