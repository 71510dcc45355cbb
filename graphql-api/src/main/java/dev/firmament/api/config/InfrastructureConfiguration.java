package dev.firmament.api.config;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.tally.ScopeCloseException;
import dev.firmament.artifact.S3ArtifactStore;
import dev.firmament.orchestrator.tracing.TracePropagator;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Clients of the services the API talks to: Temporal and the S3 artifact store.
 *
 * <p>These are plain beans without conditions. In the dev process the workers reuse them; a
 * production worker process defines its own in its own main, so there is never a second copy to
 * arbitrate.
 */
@Configuration(proxyBeanMethods = false)
@Import(TracingConfiguration.class)
public class InfrastructureConfiguration {

  /**
   * The Temporal SDK's own metrics (requests, long polls, workflow and activity task latencies,
   * sticky cache), reported every ten seconds into the process's meter registry when it has one
   * (the server's roles). Closed with the context: its reporting thread is not a daemon, and left
   * running it kept a stopped server's process alive.
   */
  @Bean
  public TemporalMetrics temporalMetrics(ObjectProvider<MeterRegistry> meters) {
    MeterRegistry registry = meters.getIfAvailable();
    if (registry == null) {
      return new TemporalMetrics(null);
    }
    return new TemporalMetrics(
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(10)));
  }

  /** The Temporal SDK's metrics scope, or none; closing it stops its reporting. */
  public record TemporalMetrics(Scope scope) implements AutoCloseable {
    @Override
    public void close() throws ScopeCloseException {
      if (scope != null) {
        scope.close();
      }
    }
  }

  /**
   * The stubs connect lazily, so the API starts (and serves reads) while Temporal is still coming
   * up; starting a rollout fails with a typed error until it is reachable. TLS, mutual TLS and an
   * API key are optional ({@link TemporalConnection}). The SDK's metrics go to {@link
   * #temporalMetrics} when the process has a meter registry.
   */
  @Bean
  public WorkflowServiceStubs workflowServiceStubs(
      TemporalMetrics metrics,
      @Value("${firmament.temporal.target:127.0.0.1:7233}") String target,
      @Value("${firmament.temporal.tls:false}") boolean tls,
      @Value("${firmament.temporal.tls-client-cert-file:}") String clientCertFile,
      @Value("${firmament.temporal.tls-client-key-file:}") String clientKeyFile,
      @Value("${firmament.temporal.tls-server-ca-file:}") String serverCaFile,
      @Value("${firmament.temporal.api-key:}") String apiKey) {
    WorkflowServiceStubsOptions options =
        new TemporalConnection(target, tls, clientCertFile, clientKeyFile, serverCaFile, apiKey)
            .toOptions();
    if (metrics.scope() != null) {
      options =
          WorkflowServiceStubsOptions.newBuilder(options).setMetricsScope(metrics.scope()).build();
    }
    return WorkflowServiceStubs.newServiceStubs(options);
  }

  @Bean
  public WorkflowClient workflowClient(
      WorkflowServiceStubs workflowServiceStubs,
      @Value("${firmament.temporal.namespace:default}") String namespace) {
    return WorkflowClient.newInstance(
        workflowServiceStubs,
        WorkflowClientOptions.newBuilder()
            .setNamespace(namespace)
            // The caller's trace travels with every start and signal (TracingConfiguration).
            .setContextPropagators(List.of(new TracePropagator()))
            .build());
  }

  @Bean
  public S3ArtifactStore artifactStore(
      @Value("${firmament.s3.endpoint:http://127.0.0.1:9000}") String endpoint,
      @Value("${firmament.s3.public-endpoint:}") String publicEndpoint,
      @Value("${firmament.s3.access-key:firmament}") String accessKey,
      @Value("${firmament.s3.secret-key:firmament-secret}") String secretKey,
      @Value("${firmament.s3.bucket:firmament-artifacts}") String bucket) {
    // Devices that download over HTTPS get links to the public address (a CDN, or the storage's
    // outside name); without one, to the address the server uses.
    return S3ArtifactStore.connect(
        endpoint,
        publicEndpoint.isBlank() ? endpoint : publicEndpoint,
        accessKey,
        secretKey,
        bucket);
  }
}
