package dev.firmament.devstack;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's own Java test server, serving the Temporal gRPC API on 127.0.0.1.
 *
 * <p>This is the server behind {@code io.temporal.testserver.TestServer.createPortBoundServer},
 * with time skipping locked (workflow timers follow the wall clock), bound to the loopback
 * interface only. It keeps all state in memory, so workflows do not survive a restart, and it has
 * no list/count visibility API. Every namespace name is accepted; Firmament uses {@value
 * #NAMESPACE}. Its diagnostic list of time-lock events is replaced by a bounded one ({@link
 * TimeLockEventLog}), so that a server that has run millions of tasks is as fast as a new one.
 */
public final class EmbeddedTemporal implements AutoCloseable {

  /** The namespace Firmament's workers and clients use against this server. */
  public static final String NAMESPACE = "default";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedTemporal.class);

  private final TestServicesStarter services;
  private final Server server;
  private boolean closed;

  private EmbeddedTemporal(TestServicesStarter services, Server server) {
    this.services = services;
    this.server = server;
  }

  /**
   * Starts the server.
   *
   * @param port TCP port on 127.0.0.1 (Temporal's usual one is 7233), or 0 for a free one
   */
  public static EmbeddedTemporal start(int port) {
    FreePorts.checkPort(port);
    ThirdPartyLogging.quiet();
    // lockTimeSkipping = true: real time, as with a real Temporal cluster.
    TestServicesStarter services = new TestServicesStarter(true, 0);
    // The server's diagnostic list of time-lock events grows with every task it runs and is
    // searched linearly on each release; a bounded log keeps a long-running server's cost flat.
    boolean bounded = TimeLockEventLog.install(services);
    ServerBuilder<?> builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
            InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      services.close();
      throw new IllegalStateException("Temporal test server cannot listen on port " + port, e);
    }
    EmbeddedTemporal temporal = new EmbeddedTemporal(services, server);
    log.debug(
        "Temporal test server listening on {} (bounded time-lock log: {})",
        temporal.target(),
        bounded);
    return temporal;
  }

  /** The server's time-lock event log, when it could be bounded (for tests). */
  TimeLockEventLog timeLockLog() {
    return TimeLockEventLog.installed(services);
  }

  /** The gRPC target, {@code 127.0.0.1:PORT}. */
  public String target() {
    return "127.0.0.1:" + port();
  }

  public String namespace() {
    return NAMESPACE;
  }

  public int port() {
    return server.getPort();
  }

  /** Stops the server and drops its in-memory state. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    } finally {
      services.close();
    }
  }

  @Override
  public String toString() {
    return "EmbeddedTemporal[" + target() + "]";
  }
}
