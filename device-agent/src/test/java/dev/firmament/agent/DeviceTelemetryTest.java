package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.protocol.Telemetry;
import dev.firmament.protocol.Telemetry.ResetReason;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.DeviceTelemetryReport;
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
 * Devices' vitals and logs through a real broker to the workers' gateway: the report after every
 * start with its reason, periodic vitals, log lines kept while offline, and the reset-loop fault.
 */
class DeviceTelemetryTest {
  @TempDir static Path brokerDir;
  private static HiveMqTestBroker broker;
  private MqttDeviceGateway gateway;
  private FleetSimulator fleet;
  private final List<DeviceTelemetryReport> received = new CopyOnWriteArrayList<>();
  private final List<DeviceReport> reports = new CopyOnWriteArrayList<>();

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
    gateway.onTelemetry(received::add);
    gateway.onReport(reports::add);
  }

  @AfterEach
  void closeAll() {
    if (fleet != null) {
      fleet.close();
    }
    gateway.close();
  }

  private List<Telemetry.Vitals> vitals(String device) {
    return received.stream()
        .filter(r -> r.deviceId().equals(device))
        .map(DeviceTelemetryReport::telemetry)
        .filter(Telemetry.Vitals.class::isInstance)
        .map(Telemetry.Vitals.class::cast)
        .toList();
  }

  private List<Telemetry.LogLine> lines(String device) {
    return received.stream()
        .filter(r -> r.deviceId().equals(device))
        .map(DeviceTelemetryReport::telemetry)
        .filter(Telemetry.Logs.class::isInstance)
        .flatMap(t -> ((Telemetry.Logs) t).lines().stream())
        .toList();
  }

  @Test
  void aDeviceReportsItsStartThenItsVitalsPeriodically() {
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("vital", 2, "1.0.0"),
            FleetOptions.defaults().withVitalsInterval(Duration.ofMillis(200)));
    await().atMost(Duration.ofSeconds(10)).until(() -> vitals("vital-00001").size() >= 3);
    List<Telemetry.Vitals> all = vitals("vital-00001");
    Telemetry.Vitals first = all.getFirst();
    assertThat(first.resetReason()).isEqualTo(ResetReason.POWER_ON);
    assertThat(first.bootCount()).isEqualTo(1);
    assertThat(first.freeMemory()).isPositive().isLessThanOrEqualTo(first.totalMemory());
    assertThat(first.signalStrength()).isBetween(-150, 0);
    assertThat(first.diagnostics()).containsEntry("cloud.reconnects", 0.0);
    // The device's own count of its payload bytes (net.bytes) grows with every report it sent:
    // each report is counted in the next one.
    double previous = -1;
    for (Telemetry.Vitals v : all) {
      assertThat(v.diagnostics().get("net.bytes")).isGreaterThan(previous);
      previous = v.diagnostics().get("net.bytes");
    }
    assertThat(previous).isGreaterThanOrEqualTo(2 * 50.0);
    // Only the first report after a start names its reason.
    assertThat(all.subList(1, all.size())).allMatch(v -> v.resetReason() == null);
    assertThat(lines("vital-00000")).isEmpty();
  }

  @Test
  void aRebootIsReportedAsASoftwareResetWithTheUptimeFromZero() throws Exception {
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("reboot", 1, "1.0.0"),
            FleetOptions.defaults().withCloud(ReferenceCloud.INTERFACE));
    DeviceAgent device = fleet.agent("reboot-00000");
    await().atMost(Duration.ofSeconds(5)).until(() -> vitals("reboot-00000").size() == 1);
    Thread.sleep(1_100);
    device.publishVitals().get();
    await().atMost(Duration.ofSeconds(5)).until(() -> vitals("reboot-00000").size() == 2);
    assertThat(vitals("reboot-00000").get(1).uptime()).isGreaterThanOrEqualTo(1);

    try (var caller =
        dev.firmament.protocol.cloud.CloudCaller.connect(
            dev.firmament.protocol.cloud.CallerOptions.of(broker.url(), "api-telemetry"))) {
      caller
          .call(
              "reboot-00000",
              new dev.firmament.protocol.CloudCall.Function("reboot", ""),
              Duration.ofSeconds(5))
          .get();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> vitals("reboot-00000").size() == 3);
    Telemetry.Vitals after = vitals("reboot-00000").get(2);
    assertThat(after.resetReason()).isEqualTo(ResetReason.SOFTWARE);
    assertThat(after.bootCount()).isEqualTo(2);
    assertThat(after.uptime()).isZero();
    assertThat(device.bootCount().get()).isEqualTo(2);
    assertThat(lines("reboot-00000"))
        .extracting(Telemetry.LogLine::message)
        .contains("started, reset reason software");
  }

  @Test
  void logLinesWrittenOfflineAreSentOnReconnectWithTheirOwnTime() throws Exception {
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("logs", 1, "1.0.0"),
            FleetOptions.defaults());
    DeviceAgent device = fleet.agent("logs-00000");
    device.log(Telemetry.Level.INFO, "online line");
    await().atMost(Duration.ofSeconds(5)).until(() -> lines("logs-00000").size() == 1);

    device.dropConnection(Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> !device.snapshot().connected());
    Instant offlineFrom = Instant.now();
    for (int i = 0; i < Telemetry.Logs.MAX_LINES + 5; i++) {
      device.log(Telemetry.Level.WARN, "kept " + i);
    }
    device.log(Telemetry.Level.ERROR, "x".repeat(2 * Telemetry.LogLine.MAX_MESSAGE_BYTES));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines("logs-00000").size() == Telemetry.Logs.MAX_LINES + 7);
    List<Telemetry.LogLine> kept = lines("logs-00000").subList(1, Telemetry.Logs.MAX_LINES + 7);
    assertThat(kept.getFirst().message()).isEqualTo("kept 0");
    assertThat(kept.getFirst().at()).isAfterOrEqualTo(offlineFrom);
    assertThat(kept.get(Telemetry.Logs.MAX_LINES + 4).message())
        .isEqualTo("kept " + (Telemetry.Logs.MAX_LINES + 4));
    assertThat(kept.getLast().message())
        .endsWith("...")
        .hasSize(Telemetry.LogLine.MAX_MESSAGE_BYTES);
    assertThat(kept.getLast().level()).isEqualTo(Telemetry.Level.ERROR);
  }

  @Test
  void aResetLoopDeviceCrashesOverAndOverOnceItRunsTheNewVersionOnly() {
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("loop", 2, "1.0.0"),
            FleetOptions.defaults()
                .withResetLoop(new FleetOptions.ResetLoop(1.0, Duration.ofMillis(300))));
    await().atMost(Duration.ofSeconds(5)).until(() -> vitals("loop-00000").size() == 1);
    // Nothing happens on the version it came with.
    await().pollDelay(Duration.ofMillis(900)).until(() -> true);
    assertThat(vitals("loop-00000")).hasSize(1);

    gateway.offer(
        FleetTestSupport.delivery(
            "loop-00000", "u-loop", "2.0.0", FleetTestSupport.NEW_IMAGE, false));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                vitals("loop-00000").stream()
                        .filter(v -> v.resetReason() == ResetReason.PANIC)
                        .count()
                    >= 3);
    List<Telemetry.Vitals> all = vitals("loop-00000");
    assertThat(all).extracting(Telemetry.Vitals::resetReason).contains(ResetReason.UPDATE);
    assertThat(reports)
        .anyMatch(
            r ->
                r.deviceId().equals("loop-00000")
                    && r.report().state() == dev.firmament.protocol.DeviceState.SUCCEEDED);
    assertThat(lines("loop-00000"))
        .extracting(Telemetry.LogLine::message)
        .contains("hard fault in version 2.0.0, restarting");
    // The other device was never updated and never crashed.
    assertThat(vitals("loop-00001"))
        .extracting(Telemetry.Vitals::resetReason)
        .containsExactly(ResetReason.POWER_ON);
  }
}
