package dev.firmament.agent;

import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import dev.firmament.protocol.BrokerTls;
import dev.firmament.protocol.MqttShutdownErrors;
import io.reactivex.schedulers.Schedulers;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * Threads shared by all agents of a process: the MQTT clients' network and callback threads, the
 * pool the agents' serial executors run on, and one scheduler for simulated delays (reboots, slow
 * links, reconnects). Sharing them is what lets ten thousand agents run in one JVM.
 */
public final class AgentRuntime implements AutoCloseable {

  private final ExecutorService workers;
  private final ScheduledExecutorService scheduler;
  private final MqttClientExecutorConfig mqttExecutors;
  private final Map<Optional<Path>, HttpClient> httpClients = new ConcurrentHashMap<>();

  private AgentRuntime(int threads) {
    MqttShutdownErrors.install();
    this.workers =
        Executors.newFixedThreadPool(
            threads, Thread.ofPlatform().name("firmament-agent-", 0).daemon().factory());
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("firmament-agent-timer").daemon().factory());
    // Network threads: the MQTT client's own event loop group, which it already shares between
    // all clients of the process. Callbacks and futures run on the agents' worker pool.
    this.mqttExecutors =
        MqttClientExecutorConfig.builder()
            .applicationScheduler(Schedulers.from(this::runUnlessClosed))
            .build();
  }

  /** A runtime with {@code threads} worker threads. */
  public static AgentRuntime create(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive");
    }
    return new AgentRuntime(threads);
  }

  /** A runtime sized to the machine. */
  public static AgentRuntime create() {
    return create(Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  /** Late MQTT callbacks after close have nothing left to do; dropping them is correct. */
  private void runUnlessClosed(Runnable task) {
    try {
      workers.execute(task);
    } catch (RejectedExecutionException e) {
      // Closed.
    }
  }

  Executor workers() {
    return workers;
  }

  /**
   * Runs {@code task} after {@code delay} on the timer thread; after {@link #close()} the task is
   * dropped, since a closed fleet has nothing left to simulate.
   */
  void schedule(Runnable task, long delay, TimeUnit unit) {
    try {
      scheduler.schedule(task, delay, unit);
    } catch (RejectedExecutionException e) {
      // Closed.
    }
  }

  MqttClientExecutorConfig mqttExecutors() {
    return mqttExecutors;
  }

  /**
   * The HTTP client the agents that trust {@code caFile} (null: the JVM's authorities) download
   * with: one per trust, shared, its connections pooled, its work on virtual threads.
   */
  HttpClient http(Path caFile) {
    return httpClients.computeIfAbsent(
        Optional.ofNullable(caFile),
        ca -> {
          HttpClient.Builder builder =
              HttpClient.newBuilder()
                  .connectTimeout(Duration.ofSeconds(10))
                  .executor(Executors.newVirtualThreadPerTaskExecutor());
          if (ca.isPresent()) {
            try {
              SSLContext tls = SSLContext.getInstance("TLS");
              tls.init(null, BrokerTls.trusting(ca.get()).getTrustManagers(), null);
              builder.sslContext(tls);
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("cannot set up TLS for downloads: " + e, e);
            }
          }
          return builder.build();
        });
  }

  /** Whether {@link #close()} was called: the agents' serial work no longer runs. */
  boolean isClosed() {
    return workers.isShutdown();
  }

  /** Stops the shared threads; close the agents first. */
  @Override
  public void close() {
    httpClients.values().forEach(HttpClient::shutdownNow);
    scheduler.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
    }
  }
}
