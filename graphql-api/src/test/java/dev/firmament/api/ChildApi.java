package dev.firmament.api;

import static org.awaitility.Awaitility.await;

import dev.firmament.api.config.GraphqlApiApplication;
import dev.firmament.devstack.EmbeddedTemporal;
import dev.firmament.devstack.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The API in a child JVM against the suite's PostgreSQL and S3 (and its own embedded Temporal): for
 * what one process cannot show about itself, such as a heap smaller than an upload, or being killed
 * with {@code kill -9} while it sends.
 */
final class ChildApi implements AutoCloseable {
  private final EmbeddedTemporal temporal;
  private final Process process;
  private final Path log;
  private final int port;

  private ChildApi(EmbeddedTemporal temporal, Process process, Path log, int port) {
    this.temporal = temporal;
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts the API with {@code heap} ({@code -XX:+ExitOnOutOfMemoryError}, so that running out of
   * memory cannot be absorbed) and these settings after the suite's, and waits until it answers;
   * {@code quickStart} trades the server compiler for a sooner start.
   */
  static ChildApi start(String name, String heap, boolean quickStart, List<String> settings)
      throws IOException {
    EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
    int port = FreePorts.pick();
    Path log = Files.createTempFile("firmament-" + name, ".log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.addAll(List.of(java.toString(), "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError"));
    if (quickStart) {
      // The client compiler alone: the process starts sooner, but without the server compiler's
      // escape analysis it allocates more, so not for a test of what fits in a small heap.
      command.add("-XX:TieredStopAtLevel=1");
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            GraphqlApiApplication.class.getName(),
            "--server.port=" + port,
            "--spring.datasource.url=" + ApiTestBase.STACK.postgres.jdbcUrl(),
            "--spring.datasource.username=" + ApiTestBase.STACK.postgres.username(),
            "--spring.datasource.password=" + ApiTestBase.STACK.postgres.password(),
            "--firmament.s3.endpoint=" + ApiTestBase.STACK.s3.endpoint(),
            "--firmament.s3.access-key=" + ApiTestBase.STACK.s3.accessKey(),
            "--firmament.s3.secret-key=" + ApiTestBase.STACK.s3.secretKey(),
            "--firmament.s3.bucket=" + TestStack.BUCKET,
            "--firmament.temporal.target=" + temporal.target(),
            "--firmament.security.request-signing-key=" + ApiTestBase.REQUEST_SIGNING_KEY,
            "--firmament.audit.private-key=" + ApiTestBase.AUDIT_KEYS.privateKeyBase64(),
            "--firmament.audit.public-key=" + ApiTestBase.AUDIT_KEYS.publicKeyBase64(),
            "--spring.graphql.graphiql.enabled=false"));
    command.addAll(settings);
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ChildApi child = new ChildApi(temporal, process, log, port);
    HttpClient http = HttpClient.newHttpClient();
    try {
      await()
          // A loaded CI machine may take minutes to start a small-heap Spring Boot process.
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          // Not an exception to ignore: a process that exited will not answer.
          .failFast("the API exited", () -> !process.isAlive())
          .until(
              () ->
                  http.send(
                              HttpRequest.newBuilder(URI.create(child.base() + "/graphql"))
                                  .GET()
                                  .build(),
                              BodyHandlers.discarding())
                          .statusCode()
                      > 0);
    } catch (RuntimeException | AssertionError e) {
      child.close();
      throw new AssertionError("the API did not start: " + child.logTail(), e);
    }
    return child;
  }

  int port() {
    return port;
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  /** Kills the process as {@code kill -9} would: nothing of it runs after, nothing is released. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** The end of its log, for a failure's message. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return "\n--- API log ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no API log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    temporal.close();
  }
}
