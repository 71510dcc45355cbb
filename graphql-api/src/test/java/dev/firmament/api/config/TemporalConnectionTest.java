package dev.firmament.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Temporal connection settings against a Temporal test server that listens with TLS, as a
 * secured self-hosted cluster does: the server's CA, a client certificate when the server demands
 * one, and the API key header.
 */
class TemporalConnectionTest {
  private TestServicesStarter services;
  private Server server;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  private static String resource(String name) {
    try {
      return Path.of(
              Objects.requireNonNull(
                      TemporalConnectionTest.class.getResource("/temporal-tls/" + name))
                  .toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static File file(String name) {
    return new File(resource(name));
  }

  /** A Temporal test server on TLS; with {@code requireClientCertificate} it is mutual TLS. */
  private String startTlsServer(boolean requireClientCertificate) throws IOException {
    TlsServerCredentials.Builder tls =
        TlsServerCredentials.newBuilder().keyManager(file("server.pem"), file("server.key"));
    if (requireClientCertificate) {
      tls.trustManager(file("ca.pem")).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    ServerCredentials credentials = tls.build();
    services = new TestServicesStarter(true, 0);
    ServerBuilder<?> builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), credentials);
    builder.intercept(recordAuthorization());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    server = builder.build().start();
    return "127.0.0.1:" + server.getPort();
  }

  private ServerInterceptor recordAuthorization() {
    Metadata.Key<String> authorization =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String value = headers.get(authorization);
        if (value != null) {
          authorizations.add(value);
        }
        return next.startCall(call, headers);
      }
    };
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (services != null) {
      services.close();
    }
  }

  private static void call(TemporalConnection connection) {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(connection.toOptions());
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void plainIsTheDefault() {
    TemporalConnection plain = TemporalConnection.plain("127.0.0.1:7233");
    assertThat(plain.usesTls()).isFalse();
    assertThat(plain.toOptions().getEnableHttps()).isFalse();
    assertThat(plain.toOptions().getSslContext()).isNull();
    assertThat(plain.toOptions().getGrpcMetadataProviders()).isNullOrEmpty();
  }

  @Test
  void tlsWithTheServersCaReachesATlsServer() throws IOException {
    String target = startTlsServer(false);
    call(new TemporalConnection(target, true, null, null, resource("ca.pem"), null));
  }

  @Test
  void plainDoesNotReachATlsServer() throws IOException {
    String target = startTlsServer(false);
    assertThatThrownBy(() -> call(TemporalConnection.plain(target)))
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void mutualTlsPresentsTheClientCertificate() throws IOException {
    String target = startTlsServer(true);
    call(
        new TemporalConnection(
            target,
            true,
            resource("client.pem"),
            resource("client.key"),
            resource("ca.pem"),
            null));
    // Without the client certificate the same server refuses the handshake.
    assertThatThrownBy(
            () -> call(new TemporalConnection(target, true, null, null, resource("ca.pem"), null)))
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void theApiKeyTravelsAsABearerTokenOverTls() throws IOException {
    String target = startTlsServer(false);
    TemporalConnection cloud =
        new TemporalConnection(target, false, null, null, resource("ca.pem"), "key-123");
    assertThat(cloud.usesTls()).isTrue();
    assertThat(cloud.toString()).doesNotContain("key-123");
    call(cloud);
    assertThat(authorizations).isNotEmpty().allMatch("Bearer key-123"::equals);
  }

  @Test
  void anApiKeyAloneTurnsTlsOnWithTheJvmsTrustedCas() {
    TemporalConnection cloud =
        new TemporalConnection("ns.acct.tmprl.cloud:7233", false, "", "", "", "key-123");
    assertThat(cloud.toOptions().getEnableHttps()).isTrue();
    assertThat(cloud.toOptions().getGrpcMetadataProviders()).hasSize(1);
  }

  @Test
  void aClientCertificateWithoutItsKeyIsRefused() {
    assertThatThrownBy(
            () ->
                new TemporalConnection(
                    "127.0.0.1:7233", true, resource("client.pem"), null, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("firmament.temporal.tls-client-key-file");
  }

  @Test
  void anUnreadableFileNamesItsSetting() {
    assertThatThrownBy(
            () ->
                new TemporalConnection(
                        "127.0.0.1:7233", true, null, null, "/nonexistent/ca.pem", null)
                    .toOptions())
        .hasMessageContaining("firmament.temporal.tls-server-ca-file");
  }
}
