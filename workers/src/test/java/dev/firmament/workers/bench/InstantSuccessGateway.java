package dev.firmament.workers.bench;

import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.GatewayStats;
import dev.firmament.protocol.server.PresenceEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A fleet that updates at once: every offer is answered with SUCCEEDED on the new version, from one
 * gateway thread as the real gateway does. Benchmark only: it measures the rollout engine, not MQTT
 * or devices.
 */
final class InstantSuccessGateway implements DeviceGateway {
  private final List<Consumer<DeviceReport>> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService gatewayThread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "instant-gateway");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong offers = new AtomicLong();

  @Override
  public void offer(Delivery delivery) {
    offers.incrementAndGet();
    DeviceReport report =
        new DeviceReport(
            delivery.deviceId(),
            StatusReport.of(delivery.updateId(), DeviceState.SUCCEEDED, delivery.targetVersion()));
    gatewayThread.execute(() -> listeners.forEach(l -> l.accept(report)));
  }

  @Override
  public void cancel(String deviceId, String updateId) {}

  @Override
  public void onReport(Consumer<DeviceReport> listener) {
    listeners.add(listener);
  }

  @Override
  public void onPresence(Consumer<PresenceEvent> listener) {}

  @Override
  public GatewayStats stats() {
    return new GatewayStats(0, 0, offers.get(), 0);
  }

  @Override
  public void close() {
    gatewayThread.shutdownNow();
  }
}
