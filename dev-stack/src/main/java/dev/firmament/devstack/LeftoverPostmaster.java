package dev.firmament.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deals with a PostgreSQL server that a previous start left running on a data directory.
 *
 * <p>The embedded server is a separate process. When the JVM that started it is killed ({@code kill
 * -9}, a crash), the server keeps running as an orphan for a while and holds its data directory
 * through {@code postmaster.pid}, so the next start fails. Before starting, this class reads that
 * file and, when its process is a PostgreSQL server for this very data directory, stops it with a
 * fast shutdown and waits for it to exit.
 *
 * <p>A pid file whose process is gone is left alone: PostgreSQL recognises such a file as stale and
 * replaces it itself. A pid file whose number now belongs to some other process is removed, since
 * PostgreSQL would refuse to start while that process lives; that process is never signalled.
 */
final class LeftoverPostmaster {

  private static final Logger log = LoggerFactory.getLogger(LeftoverPostmaster.class);

  private static final Duration LOG_EVERY = Duration.ofSeconds(5);

  private LeftoverPostmaster() {}

  /**
   * Stops the server recorded in {@code dataDir/postmaster.pid} if it still runs on {@code
   * dataDir}, waiting at most {@code timeout}.
   *
   * @throws IllegalStateException if the server is still running after {@code timeout}
   */
  static void stopIfRunning(Path dataDir, Duration timeout) {
    Path pidFile = dataDir.resolve("postmaster.pid");
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pidFile, e);
    }
    long pid;
    try {
      pid = Long.parseLong(lines.isEmpty() ? "" : lines.get(0).trim());
    } catch (NumberFormatException e) {
      // PostgreSQL treats a malformed lock file as its own problem and reports it precisely.
      log.info("dev-stack postgres leftover=pid-file-unreadable dir={} action=none", dataDir);
      return;
    }
    String port = lines.size() > 3 ? lines.get(3).trim() : "?";
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      log.info(
          "dev-stack postgres leftover=stale-pid-file pid={} port={} dir={} action=none"
              + " (PostgreSQL replaces a pid file of a dead process)",
          pid,
          port,
          dataDir);
      return;
    }
    Optional<List<String>> commandLine = commandLine(process.get());
    if (commandLine.isEmpty()) {
      // Without a way to tell whose process it is, neither signal it nor remove its lock:
      // PostgreSQL will refuse to start and say why.
      log.info(
          "dev-stack postgres leftover=unknown-process pid={} dir={} action=none", pid, dataDir);
      return;
    }
    if (!isPostmasterOf(commandLine.get(), dataDir)) {
      log.info(
          "dev-stack postgres leftover=pid-reused pid={} dir={} action=remove-stale-pid-file",
          pid,
          dataDir);
      try {
        Files.deleteIfExists(pidFile);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove stale " + pidFile, e);
      }
      return;
    }
    log.info(
        "dev-stack postgres leftover=running-server pid={} port={} dir={} action=fast-shutdown",
        pid,
        port,
        dataDir);
    requestFastShutdown(process.get(), commandLine.get(), dataDir);
    awaitExit(process.get(), pid, timeout);
  }

  /** {@code /proc/PID/cmdline} on Linux, else what the JDK knows of the command and arguments. */
  private static Optional<List<String>> commandLine(ProcessHandle process) {
    Path procCmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
    if (Files.isReadable(procCmdline)) {
      try {
        String raw = Files.readString(procCmdline, StandardCharsets.UTF_8);
        if (!raw.isEmpty()) {
          return Optional.of(Arrays.asList(raw.split("\0")));
        }
      } catch (IOException e) {
        // The process may have exited in between; fall back to the JDK's view.
      }
    }
    ProcessHandle.Info info = process.info();
    if (info.command().isEmpty()) {
      return Optional.empty();
    }
    List<String> commandLine = new ArrayList<>();
    commandLine.add(info.command().get());
    info.arguments().ifPresent(arguments -> commandLine.addAll(Arrays.asList(arguments)));
    return Optional.of(commandLine);
  }

  /** The postmaster runs as {@code .../bin/postgres -D DATADIR ...}. */
  static boolean isPostmasterOf(List<String> commandLine, Path dataDir) {
    if (commandLine.isEmpty()) {
      return false;
    }
    String executable = Path.of(commandLine.get(0)).getFileName().toString();
    if (!executable.equals("postgres") && !executable.equals("postgres.exe")) {
      return false;
    }
    for (int i = 1; i < commandLine.size() - 1; i++) {
      if (commandLine.get(i).equals("-D") && sameDirectory(commandLine.get(i + 1), dataDir)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameDirectory(String path, Path dataDir) {
    try {
      return Files.isSameFile(Path.of(path), dataDir);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Fast shutdown through the server's own {@code pg_ctl}, next to its {@code postgres} binary (the
   * binaries the embedded library unpacked). Without it, SIGTERM (smart shutdown) does the same
   * here: the clients died with the JVM, so there is no session to wait for.
   */
  private static void requestFastShutdown(
      ProcessHandle process, List<String> commandLine, Path dataDir) {
    Path binDir = Path.of(commandLine.get(0)).getParent();
    Optional<Path> pgCtl =
        Optional.ofNullable(binDir)
            .flatMap(
                dir ->
                    List.of("pg_ctl", "pg_ctl.exe").stream()
                        .map(dir::resolve)
                        .filter(Files::isExecutable)
                        .findFirst());
    if (pgCtl.isPresent()) {
      try {
        Process stop =
            new ProcessBuilder(
                    pgCtl.get().toString(), "stop", "-D", dataDir.toString(), "-m", "fast", "-W")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (stop.waitFor(30, TimeUnit.SECONDS) && stop.exitValue() == 0) {
          return;
        }
        stop.destroyForcibly();
        log.info("dev-stack postgres pg_ctl stop did not succeed; sending SIGTERM instead");
      } catch (IOException e) {
        log.info("dev-stack postgres cannot run {} ({}); sending SIGTERM instead", pgCtl.get(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while stopping PostgreSQL", e);
      }
    }
    process.destroy();
  }

  private static void awaitExit(ProcessHandle process, long pid, Duration timeout) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    while (process.isAlive()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(
            "PostgreSQL left by a previous start (pid "
                + pid
                + ") is still running after "
                + timeout.toSeconds()
                + " s");
      }
      try {
        process.onExit().get(Math.min(left, LOG_EVERY.toNanos()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        log.info(
            "dev-stack postgres waiting for pid={} to exit, waited_ms={}",
            pid,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot wait for PostgreSQL pid " + pid, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for PostgreSQL to stop", e);
      }
    }
  }
}
