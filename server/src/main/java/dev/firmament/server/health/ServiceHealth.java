package dev.firmament.server.health;

import dev.firmament.artifact.ArtifactStore;
import dev.firmament.protocol.server.DeviceGateway;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What each role needs, as health indicators for its readiness group ({@code FirmamentServer}):
 * Temporal's frontend answers, the object store answers a read, and the device gateway holds its
 * session with the broker. The database's own indicator comes with Spring Boot.
 */
public final class ServiceHealth {
  private ServiceHealth() {}

  /**
   * Object key read to see that the store answers: the image whose hash is all zeros, never there.
   */
  static final String PROBE_KEY = "full/" + "0".repeat(64);

  /** The API's services: Temporal and the object store. */
  @Configuration(proxyBeanMethods = false)
  public static class Api {
    @Bean
    HealthIndicator temporalHealthIndicator(WorkflowServiceStubs stubs) {
      return () -> temporal(stubs);
    }

    @Bean
    HealthIndicator s3HealthIndicator(ArtifactStore store) {
      return () -> objectStore(store);
    }
  }

  /** The workers' broker session. */
  @Configuration(proxyBeanMethods = false)
  public static class Workers {
    @Bean
    HealthIndicator brokerHealthIndicator(DeviceGateway gateway) {
      return () ->
          gateway.connected()
              ? Health.up().build()
              : Health.down()
                  .withDetail("reason", "the gateway is not connected to the broker")
                  .build();
    }
  }

  /** Temporal answers a request for its system information within two seconds. */
  static Health temporal(WorkflowServiceStubs stubs) {
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Health.up().build();
    } catch (RuntimeException e) {
      return Health.down().withDetail("reason", e.toString()).build();
    }
  }

  static Health objectStore(ArtifactStore store) {
    try {
      store.stat(PROBE_KEY);
      return Health.up().build();
    } catch (RuntimeException e) {
      return Health.down().withDetail("reason", e.toString()).build();
    }
  }
}
