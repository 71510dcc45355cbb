package dev.firmament.workers;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A Temporal frontend on loopback whose answers a test writes (a {@link Service} with the calls it
 * needs overridden), for the answers the embedded server never gives: an unknown namespace, a
 * frontend that fails. Clients retry a failing call for a short while only.
 */
public final class FakeTemporalFrontend implements AutoCloseable {
  private final Server server;
  private final WorkflowServiceStubs stubs;

  private FakeTemporalFrontend(Server server, WorkflowServiceStubs stubs) {
    this.server = server;
    this.stubs = stubs;
  }

  /** The calls every client makes before any other: answered as a current server would. */
  public abstract static class Service extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    @Override
    public void getSystemInfo(
        GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> response) {
      response.onNext(GetSystemInfoResponse.getDefaultInstance());
      response.onCompleted();
    }
  }

  public static FakeTemporalFrontend start(Service service) {
    Server server;
    try {
      server =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                  InsecureServerCredentials.create())
              .addService(service)
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + server.getPort())
                .setRpcRetryOptions(
                    RpcRetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(50))
                        .setExpiration(Duration.ofMillis(500))
                        .validateBuildWithDefaults())
                .build());
    return new FakeTemporalFrontend(server, stubs);
  }

  /** A client of this frontend in {@code namespace}. */
  public WorkflowClient client(String namespace) {
    return WorkflowClient.newInstance(
        stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }

  @Override
  public void close() {
    stubs.shutdownNow();
    server.shutdownNow();
  }
}
