package dev.firmament.devstack;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.embedded.EmbeddedHiveMQBuilder;
import com.hivemq.exceptions.UnrecoverableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MQTT 5 broker (HiveMQ Community Edition, embedded) listening on 127.0.0.1.
 *
 * <p>The broker keeps its configuration, data and (empty) extensions folder under the directory
 * given to {@link #start}: {@code conf/}, {@code data/} and {@code extensions/}. The configuration
 * is rewritten on every start. Sessions, subscriptions and retained messages are held in memory
 * (HiveMQ's {@code in-memory} persistence mode): they do not survive a restart of the broker,
 * devices reconnect and subscribe again, and start and stop stay around a second or two. Without an
 * extension every client may connect and use every topic; an {@link EmbeddedExtension} passed to
 * {@link #start} can register authenticators and authorizers (for example per-device credentials
 * and topic permissions).
 *
 * <p>HiveMQ is started without its own logging bootstrap, so its bundled {@code logback.xml} is
 * never applied; its loggers ({@code com.hivemq}) are set to WARN unless the application's logging
 * configuration sets them.
 */
public final class EmbeddedMqttBroker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedMqttBroker.class);

  private static final long START_TIMEOUT_SECONDS = 60;
  private static final int ATTEMPTS_ON_PICKED_PORT = 3;

  private final EmbeddedHiveMQ hivemq;
  private final int port;
  private boolean closed;

  private EmbeddedMqttBroker(EmbeddedHiveMQ hivemq, int port) {
    this.hivemq = hivemq;
    this.port = port;
  }

  /**
   * Starts a broker and waits until it accepts connections.
   *
   * @param dataDir the broker's own directory; created if missing
   * @param port TCP port on 127.0.0.1, or 0 for a free one
   * @param extension an embedded extension to load (e.g. device authentication and authorization),
   *     or {@code null} for none
   * @throws IllegalStateException if the broker does not start, e.g. the port is taken
   */
  public static EmbeddedMqttBroker start(Path dataDir, int port, EmbeddedExtension extension) {
    Objects.requireNonNull(dataDir, "dataDir");
    FreePorts.checkPort(port);
    ThirdPartyLogging.quiet();
    // With in-memory persistence there is nothing to flush; HiveMQ's default grace period of 2 s
    // would only make every stop 2 s slower. (Process-wide setting; only this broker uses it.)
    InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(100);
    if (port != 0) {
      return startOn(dataDir, port, extension);
    }
    IllegalStateException failure = null;
    for (int attempt = 0; attempt < ATTEMPTS_ON_PICKED_PORT; attempt++) {
      try {
        return startOn(dataDir, FreePorts.pick(), extension);
      } catch (PortTakenException e) {
        failure = e;
      }
    }
    throw failure;
  }

  /** The TCP port the broker listens on. */
  public int port() {
    return port;
  }

  /** The broker's address, {@code tcp://127.0.0.1:PORT}. */
  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Stops the broker and releases its port. Calling it again does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      hivemq.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the MQTT broker", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("MQTT broker on port " + port + " did not stop cleanly", e);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedMqttBroker[" + url() + "]";
  }

  private static EmbeddedMqttBroker startOn(Path dataDir, int port, EmbeddedExtension extension) {
    return startOn(dataDir, port, extension, true);
  }

  /**
   * Starts HiveMQ on {@code port}; {@code checkFirst} probes the port before HiveMQ tries to bind
   * it (tests turn it off to reach HiveMQ's own bind failure, the race a picked port can lose).
   */
  static EmbeddedMqttBroker startOn(
      Path dataDir, int port, EmbeddedExtension extension, boolean checkFirst) {
    if (checkFirst && !FreePorts.isFree(port)) {
      throw new PortTakenException(port);
    }
    Path conf = dataDir.resolve("conf");
    Path data = dataDir.resolve("data");
    Path extensions = dataDir.resolve("extensions");
    try {
      Files.createDirectories(conf);
      Files.createDirectories(data);
      Files.createDirectories(extensions);
      Files.writeString(conf.resolve("config.xml"), config(port), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the MQTT broker directory " + dataDir, e);
    }
    EmbeddedHiveMQBuilder builder =
        EmbeddedHiveMQ.builder()
            .withConfigurationFolder(conf)
            .withDataFolder(data)
            .withExtensionsFolder(extensions)
            .withoutLoggingBootstrap();
    if (extension != null) {
      builder.withEmbeddedExtension(extension);
    }
    EmbeddedHiveMQ hivemq = builder.build();
    try {
      hivemq.start().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(hivemq);
      throw new IllegalStateException("interrupted while starting the MQTT broker", e);
    } catch (ExecutionException e) {
      closeQuietly(hivemq);
      // HiveMQ stops with an UnrecoverableException when no listener could bind: the port was
      // free when probed and taken before HiveMQ bound it (another process's outgoing connection
      // can take a port of the ephemeral range at any time). A picked port retries with another.
      if (e.getCause() instanceof UnrecoverableException) {
        throw new PortTakenException(port, e);
      }
      throw new IllegalStateException("MQTT broker did not start on port " + port, e);
    } catch (TimeoutException e) {
      closeQuietly(hivemq);
      throw new IllegalStateException("MQTT broker did not start on port " + port, e);
    }
    // HiveMQ fails its start only when no listener bound at all; check that ours listens.
    if (!listens(port)) {
      closeQuietly(hivemq);
      throw new PortTakenException(port);
    }
    log.debug("MQTT broker listening on tcp://127.0.0.1:{} (dir {})", port, dataDir);
    return new EmbeddedMqttBroker(hivemq, port);
  }

  private static boolean listens(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void closeQuietly(EmbeddedHiveMQ hivemq) {
    try {
      hivemq.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | RuntimeException e) {
      log.debug("MQTT broker did not close cleanly after a failed start", e);
    }
  }

  private static String config(int port) {
    return """
        <?xml version="1.0"?>
        <!-- Written by Firmament's dev-stack on every start; edits are overwritten. -->
        <hivemq>
            <listeners>
                <tcp-listener>
                    <port>%d</port>
                    <bind-address>127.0.0.1</bind-address>
                    <name>firmament-dev</name>
                </tcp-listener>
            </listeners>
            <persistence>
                <mode>in-memory</mode>
            </persistence>
            <!-- The workers' gateway is one client that receives every device's reports: with the
                 default queue of 1000, a burst from a large fleet would be dropped. -->
            <mqtt>
                <queued-messages>
                    <max-queue-size>1000000</max-queue-size>
                    <strategy>discard-oldest</strategy>
                </queued-messages>
            </mqtt>
            <anonymous-usage-statistics>
                <enabled>false</enabled>
            </anonymous-usage-statistics>
        </hivemq>
        """
        .formatted(port);
  }

  /** The requested or picked port was already in use. */
  private static final class PortTakenException extends IllegalStateException {
    PortTakenException(int port) {
      super("MQTT broker cannot listen on 127.0.0.1:" + port + ": port in use");
    }

    PortTakenException(int port, Throwable cause) {
      super("MQTT broker cannot listen on 127.0.0.1:" + port + ": port in use", cause);
    }
  }
}
