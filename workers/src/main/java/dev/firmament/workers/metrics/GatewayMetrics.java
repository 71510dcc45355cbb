package dev.firmament.workers.metrics;

import dev.firmament.protocol.server.DeviceGateway;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * This worker's device gateway as meters: deliveries open, payload bytes sent and not yet
 * acknowledged against the gateway's budget, the window each delivery may have unacknowledged, and
 * bytes and chunks sent since the gateway started (resends included).
 */
@Component
public class GatewayMetrics implements MeterBinder {
  private final DeviceGateway gateway;
  private final int window;

  public GatewayMetrics(
      DeviceGateway gateway, @Value("${firmament.delivery.window:8}") int window) {
    this.gateway = gateway;
    this.window = window;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("firmament.gateway.deliveries.active", gateway, g -> g.stats().activeDeliveries())
        .description("Deliveries offered and not yet ended")
        .register(registry);
    Gauge.builder("firmament.gateway.bytes.in.flight", gateway, g -> g.stats().bytesInFlight())
        .description("Payload bytes published and not yet acknowledged, over all deliveries")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("firmament.gateway.window", () -> window)
        .description("Chunks a delivery may have unacknowledged")
        .baseUnit("chunks")
        .register(registry);
    Gauge.builder("firmament.gateway.budget", gateway, g -> g.stats().maxBytesInFlight())
        .description("Payload bytes the gateway may have in flight over all deliveries")
        .baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("firmament.gateway.sent", gateway, g -> g.stats().bytesSent())
        .description("Artifact payload bytes published, resends included")
        .baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("firmament.gateway.chunks", gateway, g -> g.stats().chunksSent())
        .description("Chunk frames published, resends included")
        .register(registry);
  }
}
