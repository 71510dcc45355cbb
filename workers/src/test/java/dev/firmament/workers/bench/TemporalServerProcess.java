package dev.firmament.workers.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The embedded Temporal server run by {@link TemporalServerMain} in a child JVM on the benchmark's
 * own class path, so that the benchmark's heap is the worker's alone and the server's memory is
 * measured apart. Its output is passed on to the benchmark's (its standard error prefixed), except
 * for the lines that answer the benchmark's commands.
 */
final class TemporalServerProcess implements AutoCloseable {
  private static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(2);

  private final Process process;
  private final Writer commands;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final String target;

  /** The server's memory: its heap's peak and after a collection, its resident memory (bytes). */
  record Memory(long peakHeap, long heapAfterGc, long peakResident, long resident) {}

  /** The server's heap in use, garbage included, and its resident memory (bytes). */
  record Usage(long heapUsed, long resident) {}

  private TemporalServerProcess(Process process) throws IOException {
    this.process = process;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    follow(process.getInputStream(), System.out, "", true);
    follow(process.getErrorStream(), System.err, "[temporal server] ", false);
    this.target = answer("target").get("target");
  }

  /**
   * Starts the server in a child JVM with the given JVM options (e.g. {@code -Xmx12g}) and waits
   * until it listens.
   */
  static TemporalServerProcess start(List<String> jvmOptions) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The native access that the benchmark's JVM is granted (gRPC's Netty), and nothing else of
    // its options: its heap limit is the worker's.
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("--sun-misc-unsafe-memory-access=allow");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(TemporalServerMain.class.getName());
    Process process = new ProcessBuilder(command).start();
    try {
      return new TemporalServerProcess(process);
    } catch (IOException | RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** The gRPC target, {@code 127.0.0.1:PORT}. */
  String target() {
    return target;
  }

  long pid() {
    return process.pid();
  }

  /** Collects garbage in the server and resets its heap's peak; returns the heap in use. */
  long resetPeakHeap() throws IOException {
    send("reset");
    return Long.parseLong(answer("reset").get("heapUsed"));
  }

  /** The server's heap in use (garbage included) and its resident memory now, in bytes. */
  Usage usage() throws IOException {
    send("usage");
    Map<String, String> values = answer("usage");
    return new Usage(Long.parseLong(values.get("heapUsed")), Long.parseLong(values.get("vmRss")));
  }

  /** The server's memory now, and its heap's peak since the last {@link #resetPeakHeap}. */
  Memory memory() throws IOException {
    send("memory");
    Map<String, String> values = answer("memory");
    return new Memory(
        Long.parseLong(values.get("peakHeap")),
        Long.parseLong(values.get("heapAfterGc")),
        Long.parseLong(values.get("vmHwm")),
        Long.parseLong(values.get("vmRss")));
  }

  /** Ends the server's input, which stops it, and waits for it to exit. */
  @Override
  public void close() throws IOException {
    try {
      commands.close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void send(String command) throws IOException {
    commands.write(command + "\n");
    commands.flush();
  }

  /** The next answer, which must be to {@code command}: its {@code key=value} pairs. */
  private Map<String, String> answer(String command) throws IOException {
    String line;
    try {
      line = answers.poll(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for the Temporal server", e);
    }
    if (line == null) {
      throw new IOException(
          "no answer to '%s' from the Temporal server (alive: %s)"
              .formatted(command, process.isAlive()));
    }
    String[] words = line.split(" ");
    if (!words[0].equals(command)) {
      throw new IOException("the Temporal server answered '%s' to '%s'".formatted(line, command));
    }
    Map<String, String> values = new HashMap<>();
    if (command.equals("target")) {
      values.put("target", words[1]);
    }
    Arrays.stream(words)
        .skip(1)
        .filter(word -> word.contains("="))
        .forEach(
            word ->
                values.put(
                    word.substring(0, word.indexOf('=')), word.substring(1 + word.indexOf('='))));
    return values;
  }

  /**
   * Passes the stream's lines on to {@code out}; with {@code answers}, those that answer a command
   * go to the answer queue instead.
   */
  private void follow(InputStream stream, PrintStream out, String prefix, boolean withAnswers) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  if (withAnswers && line.startsWith(TemporalServerMain.PREFIX)) {
                    answers.add(line.substring(TemporalServerMain.PREFIX.length()));
                  } else {
                    out.println(prefix + line);
                  }
                }
              } catch (IOException e) {
                // The server exited; what it printed last has been passed on.
              }
            },
            "temporal-server-output");
    thread.setDaemon(true);
    thread.start();
  }
}
