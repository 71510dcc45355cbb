package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.protocol.DeviceEvent;
import dev.firmament.protocol.server.DeviceEventReport;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices' events through a real broker to the workers' gateway: periodic events of the simulator,
 * and events a device kept while offline, sent on reconnect with the time it published them.
 */
class DeviceEventsTest {
  @TempDir static Path brokerDir;
  private static HiveMqTestBroker broker;
  private MqttDeviceGateway gateway;
  private FleetSimulator fleet;
  private final List<DeviceEventReport> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBroker() {
    broker = HiveMqTestBroker.start(brokerDir);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @BeforeEach
  void connectGateway() {
    gateway = MqttDeviceGateway.connect(GatewayOptions.of(broker.url()));
    gateway.onEvent(received::add);
  }

  @AfterEach
  void closeAll() {
    if (fleet != null) {
      fleet.close();
    }
    gateway.close();
  }

  private List<DeviceEventReport> of(String device, String name) {
    return received.stream()
        .filter(r -> r.deviceId().equals(device) && r.event().name().equals(name))
        .toList();
  }

  @Test
  void simulatedDevicesPublishTheirTemperaturePeriodically() {
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("periodic", 3, "1.0.0"),
            FleetOptions.defaults().withEventInterval(Duration.ofMillis(200)));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                of("periodic-00000", "temperature").size() >= 3
                    && of("periodic-00002", "temperature").size() >= 3);
    DeviceEventReport first = of("periodic-00001", "temperature").getFirst();
    assertThat(Double.parseDouble(first.event().data())).isBetween(15.0, 30.0);
    assertThat(first.event().isBackfill()).isFalse();
    assertThat(first.event().scope()).isEqualTo("private");
  }

  @Test
  void eventsKeptWhileOfflineAreSentOnReconnectInOrderWithTheirOwnTime() throws Exception {
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("offline", 1, "1.0.0"),
            FleetOptions.defaults());
    DeviceAgent device = fleet.agent("offline-00000");
    device.publishEvent(DeviceEvent.of("before", "")).get();
    await().atMost(Duration.ofSeconds(5)).until(() -> of("offline-00000", "before").size() == 1);

    device.dropConnection(Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> !device.snapshot().connected());
    Instant keptFrom = Instant.now();
    for (int i = 0; i < 3; i++) {
      device.publishEvent(DeviceEvent.of("kept", Integer.toString(i))).get();
      Thread.sleep(20);
    }
    assertThat(device.backlogSize().get()).isEqualTo(3);

    await().atMost(Duration.ofSeconds(10)).until(() -> of("offline-00000", "kept").size() == 3);
    List<DeviceEventReport> kept = of("offline-00000", "kept");
    assertThat(kept).extracting(r -> r.event().data()).containsExactly("0", "1", "2");
    assertThat(kept).allMatch(r -> r.event().isBackfill());
    assertThat(kept.getFirst().event().publishedAt())
        .isAfterOrEqualTo(keptFrom)
        .isBefore(kept.getFirst().receivedAt());
    assertThat(kept.get(2).event().publishedAt()).isAfter(kept.get(0).event().publishedAt());
    assertThat(device.backlogSize().get()).isZero();
  }

  @Test
  void aDeviceKeepsAtMostItsBacklogAndDropsTheOldest() throws Exception {
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("full", 1, "1.0.0"),
            FleetOptions.defaults());
    DeviceAgent device = fleet.agent("full-00000");
    device.dropConnection(Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(5)).until(() -> !device.snapshot().connected());
    for (int i = 0; i < DeviceAgent.MAX_BACKLOG + 5; i++) {
      device.publishEvent(DeviceEvent.of("kept", Integer.toString(i))).get();
    }
    assertThat(device.backlogSize().get()).isEqualTo(DeviceAgent.MAX_BACKLOG);

    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> of("full-00000", "kept").size() == DeviceAgent.MAX_BACKLOG);
    assertThat(of("full-00000", "kept").getFirst().event().data()).isEqualTo("5");
  }
}
