package dev.firmament.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every backing service of Firmament in this JVM, on loopback: PostgreSQL, the Temporal test
 * server, an S3 endpoint and an MQTT broker. For development, the demo and integration tests; never
 * part of a production deployment, where each service is configured to point at real infrastructure
 * instead.
 *
 * <p>The services start in parallel. PostgreSQL's cluster and the S3 objects live under the data
 * directory and survive a restart unless {@link DevStackOptions#fresh()} is set; Temporal and MQTT
 * sessions are kept in memory. {@link #close()} stops the services in reverse order.
 *
 * <p>S3 listens twice: plain HTTP for the stack's own clients ({@code firmament.s3.endpoint}), and
 * TLS for the download links devices are handed ({@code firmament.s3.public-endpoint}), with a
 * self-signed certificate kept under the data directory ({@link #tlsDir}) and reused while it is
 * valid for another day.
 */
public final class DevStack implements AutoCloseable {

  /** The services, in start order; {@link #close()} stops them in reverse. */
  public enum Service {
    POSTGRES,
    TEMPORAL,
    S3,
    MQTT;

    String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Marks a directory as the dev stack's own, so {@code fresh} never wipes anything else. */
  static final String MARKER_FILE = ".firmament-dev-stack";

  private static final Logger log = LoggerFactory.getLogger(DevStack.class);

  private final DevStackOptions options;
  private volatile EmbeddedPostgres postgres;
  private final EmbeddedTemporal temporal;
  private volatile EmbeddedS3 s3;
  private volatile EmbeddedMqttBroker mqtt;
  private final Endpoints endpoints;
  private final Duration startupTime;
  private boolean closed;

  private DevStack(DevStackOptions options, Map<Service, AutoCloseable> started, Duration took) {
    this.options = options;
    this.postgres = (EmbeddedPostgres) started.get(Service.POSTGRES);
    this.temporal = (EmbeddedTemporal) started.get(Service.TEMPORAL);
    this.s3 = (EmbeddedS3) started.get(Service.S3);
    this.mqtt = (EmbeddedMqttBroker) started.get(Service.MQTT);
    this.startupTime = took;
    this.endpoints =
        new Endpoints(
            postgres == null ? null : postgres.jdbcUrl(),
            postgres == null ? null : postgres.username(),
            postgres == null ? null : postgres.password(),
            temporal == null ? null : temporal.target(),
            temporal == null ? null : temporal.namespace(),
            s3 == null ? null : s3.endpoint(),
            s3 == null ? null : s3.secureEndpoint(),
            s3 == null ? null : s3.tls().certificate(),
            s3 == null ? null : s3.accessKey(),
            s3 == null ? null : s3.secretKey(),
            mqtt == null ? null : mqtt.url());
  }

  /**
   * Starts the selected services and waits until all accept connections. If one fails, those
   * already started are stopped again and the failure is thrown.
   *
   * @throws IllegalStateException if a service does not start, or {@code fresh} is asked for a
   *     directory the dev stack did not create
   */
  public static DevStack start(DevStackOptions options) {
    long begin = System.nanoTime();
    ThirdPartyLogging.quiet();
    Path dataDir = options.dataDir().toAbsolutePath();
    prepareDataDir(dataDir, options.fresh());

    Map<Service, Callable<AutoCloseable>> tasks = new EnumMap<>(Service.class);
    if (options.starts(Service.POSTGRES)) {
      tasks.put(
          Service.POSTGRES,
          () -> startService(Service.POSTGRES, options, dataDir, options.postgresPort(), 0));
    }
    if (options.starts(Service.TEMPORAL)) {
      tasks.put(Service.TEMPORAL, () -> EmbeddedTemporal.start(options.temporalPort()));
    }
    if (options.starts(Service.S3)) {
      tasks.put(Service.S3, () -> startService(Service.S3, options, dataDir, options.s3Port(), 0));
    }
    if (options.starts(Service.MQTT)) {
      tasks.put(
          Service.MQTT, () -> startService(Service.MQTT, options, dataDir, options.mqttPort(), 0));
    }

    Map<Service, AutoCloseable> started = new EnumMap<>(Service.class);
    List<Throwable> failures = new ArrayList<>();
    try (ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, tasks.size()),
            Thread.ofPlatform().name("dev-stack-start-", 1).daemon().factory())) {
      Map<Service, Future<AutoCloseable>> futures = new EnumMap<>(Service.class);
      tasks.forEach((service, task) -> futures.put(service, pool.submit(timed(service, task))));
      for (Map.Entry<Service, Future<AutoCloseable>> entry : futures.entrySet()) {
        try {
          started.put(entry.getKey(), entry.getValue().get());
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failures.add(e);
        }
      }
    }
    if (!failures.isEmpty()) {
      IllegalStateException failure =
          new IllegalStateException(
              "dev stack did not start: " + failures.getFirst(), failures.getFirst());
      failures.stream().skip(1).forEach(failure::addSuppressed);
      closeAll(started, failure);
      throw failure;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    DevStack stack = new DevStack(options, started, took);
    log.info(
        "dev-stack started services={} data_dir={} startup_ms={}",
        started.keySet().stream().map(Service::key).toList(),
        dataDir,
        took.toMillis());
    return stack;
  }

  /**
   * Starts PostgreSQL, S3 or the broker on {@code port} (0 for a free one) with its data; S3's TLS
   * listener on {@code securePort} (0 for a free one).
   */
  private static AutoCloseable startService(
      Service service, DevStackOptions options, Path dataDir, int port, int securePort)
      throws IOException {
    return switch (service) {
      case POSTGRES ->
          EmbeddedPostgres.start(dataDir.resolve("postgres"), port, options.postgresExitHook());
      case S3 -> {
        Path s3Dir = dataDir.resolve("s3");
        // The filesystem store maps each directory to a bucket.
        Files.createDirectories(s3Dir.resolve(Endpoints.ARTIFACT_BUCKET));
        // The stack's own clients keep to the plain listener on loopback; the TLS one is what
        // devices download from. The certificate is kept with the data, so what trusts it keeps
        // trusting it across restarts.
        yield EmbeddedS3.startWithTls(
            s3Dir, port, securePort, () -> SelfSignedTls.reuseOrCreate(tlsDir(dataDir)));
      }
      case MQTT -> EmbeddedMqttBroker.start(dataDir.resolve("mqtt"), port, options.mqttExtension());
      case TEMPORAL -> throw new IllegalArgumentException("Temporal is started on its own");
    };
  }

  /**
   * An outage of one service, for fault campaigns: stops PostgreSQL, S3 or the broker, keeps it
   * down for {@code down}, and starts it again on the same port with the same data, so that its
   * clients find it where they left it. Temporal's embedded server keeps its state in memory and
   * cannot be restarted.
   *
   * @throws IllegalArgumentException for Temporal, or a service this stack did not start
   */
  public synchronized void restart(Service service, Duration down) throws InterruptedException {
    AutoCloseable running =
        switch (service) {
          case POSTGRES -> postgres;
          case S3 -> s3;
          case MQTT -> mqtt;
          case TEMPORAL -> throw new IllegalArgumentException("Temporal cannot be restarted");
        };
    if (running == null || closed) {
      throw new IllegalArgumentException(service.key() + " is not running in this stack");
    }
    int port =
        switch (running) {
          case EmbeddedPostgres p -> p.port();
          case EmbeddedS3 s -> s.port();
          case EmbeddedMqttBroker m -> m.port();
          default -> throw new IllegalStateException("unexpected " + running);
        };
    int securePort = running instanceof EmbeddedS3 s ? s.securePort() : 0;
    try {
      running.close();
    } catch (Exception e) {
      throw new IllegalStateException(service.key() + " did not stop: " + e, e);
    }
    log.info("dev-stack service={} stopped for={}", service.key(), down);
    Thread.sleep(down.toMillis());
    AutoCloseable started;
    try {
      started =
          timed(service, () -> startService(service, options, dataDir(), port, securePort)).call();
    } catch (Exception e) {
      throw new IllegalStateException(service.key() + " did not start again: " + e, e);
    }
    switch (started) {
      case EmbeddedPostgres p -> postgres = p;
      case EmbeddedS3 s -> s3 = s;
      case EmbeddedMqttBroker m -> mqtt = m;
      default -> throw new IllegalStateException("unexpected " + started);
    }
  }

  /**
   * Where the stack keeps the key and certificate of S3's TLS listener ({@code <data>/tls}): made
   * on the first start, kept while valid for another day.
   */
  public static Path tlsDir(Path dataDir) {
    return dataDir.toAbsolutePath().resolve("tls");
  }

  /** Where the started services listen. */
  public Endpoints endpoints() {
    return endpoints;
  }

  /** {@link Endpoints#toProperties()}: the Spring Boot properties pointing at this stack. */
  public Map<String, String> toProperties() {
    return endpoints.toProperties();
  }

  public DevStackOptions options() {
    return options;
  }

  public Path dataDir() {
    return options.dataDir().toAbsolutePath();
  }

  /** Wall-clock time from {@link #start} until every service accepted connections. */
  public Duration startupTime() {
    return startupTime;
  }

  public Optional<EmbeddedPostgres> postgres() {
    return Optional.ofNullable(postgres);
  }

  public Optional<EmbeddedTemporal> temporal() {
    return Optional.ofNullable(temporal);
  }

  public Optional<EmbeddedS3> s3() {
    return Optional.ofNullable(s3);
  }

  public Optional<EmbeddedMqttBroker> mqtt() {
    return Optional.ofNullable(mqtt);
  }

  /**
   * Stops MQTT, S3, Temporal, PostgreSQL, in that order, and releases their ports. Data on disk is
   * kept. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long begin = System.nanoTime();
    Map<Service, AutoCloseable> started = new EnumMap<>(Service.class);
    if (postgres != null) {
      started.put(Service.POSTGRES, postgres);
    }
    if (temporal != null) {
      started.put(Service.TEMPORAL, temporal);
    }
    if (s3 != null) {
      started.put(Service.S3, s3);
    }
    if (mqtt != null) {
      started.put(Service.MQTT, mqtt);
    }
    IllegalStateException failure = new IllegalStateException("dev stack did not stop cleanly");
    closeAll(started, failure);
    log.info(
        "dev-stack stopped shutdown_ms={}", Duration.ofNanos(System.nanoTime() - begin).toMillis());
    if (failure.getSuppressed().length > 0) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "DevStack" + endpoints;
  }

  private static Callable<AutoCloseable> timed(Service service, Callable<AutoCloseable> task) {
    return () -> {
      long begin = System.nanoTime();
      AutoCloseable server = task.call();
      log.info(
          "dev-stack service={} address={} startup_ms={}",
          service.key(),
          address(server),
          Duration.ofNanos(System.nanoTime() - begin).toMillis());
      return server;
    };
  }

  private static String address(AutoCloseable server) {
    return switch (server) {
      case EmbeddedPostgres p -> p.jdbcUrl();
      case EmbeddedTemporal t -> t.target() + " namespace=" + t.namespace();
      case EmbeddedS3 s -> s.endpoint() + " tls=" + s.secureEndpoint();
      case EmbeddedMqttBroker m -> m.url();
      default -> server.toString();
    };
  }

  /** Closes in reverse service order; failures are added to {@code failure} as suppressed. */
  private static void closeAll(Map<Service, AutoCloseable> started, Throwable failure) {
    List<Service> order = new ArrayList<>(started.keySet());
    for (Service service : order.reversed()) {
      try {
        started.get(service).close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  private static void prepareDataDir(Path dataDir, boolean fresh) {
    try {
      if (fresh && Files.exists(dataDir)) {
        if (!Files.exists(dataDir.resolve(MARKER_FILE)) && !isEmptyDirectory(dataDir)) {
          throw new IllegalStateException(
              "refusing to wipe "
                  + dataDir
                  + ": not empty and not a dev-stack data directory (no "
                  + MARKER_FILE
                  + ")");
        }
        deleteRecursively(dataDir);
        log.info("dev-stack wiped data_dir={}", dataDir);
      }
      Files.createDirectories(dataDir);
      Path marker = dataDir.resolve(MARKER_FILE);
      if (!Files.exists(marker)) {
        Files.writeString(
            marker, "Data of Firmament's dev stack; `fresh` may delete this directory.\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the dev-stack data directory " + dataDir, e);
    }
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return !entries.iterator().hasNext();
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
