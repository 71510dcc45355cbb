package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.manifest.Sha256;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A gateway, a simulated fleet and the helpers the end-to-end tests share. Subclasses say which
 * broker.
 */
abstract class FleetTestSupport {

  static final int CHUNK = 4096;
  static final byte[] OLD_IMAGE = sample("armapp.old");
  static final byte[] NEW_IMAGE = sample("armapp.new");

  MqttDeviceGateway gateway;
  FleetSimulator fleet;
  final BlockingQueue<DeviceReport> reports = new LinkedBlockingQueue<>();

  /** The broker's URL. */
  abstract String brokerUrl();

  @BeforeEach
  void connectGateway() {
    gateway = MqttDeviceGateway.connect(gatewayOptions());
    gateway.onReport(reports::add);
  }

  GatewayOptions gatewayOptions() {
    return GatewayOptions.of(brokerUrl()).withStallTimeout(Duration.ofSeconds(2));
  }

  @AfterEach
  void closeAll() {
    if (fleet != null) {
      fleet.close();
    }
    gateway.close();
  }

  FleetSimulator start(List<SimulatedDeviceSpec> devices, FleetOptions options) {
    return FleetSimulator.start(brokerUrl(), devices, options);
  }

  /** Waits for one terminal report from each device; fails on a second one. */
  Map<String, StatusReport> awaitTerminal(List<String> deviceIds, Duration timeout)
      throws InterruptedException {
    Map<String, StatusReport> outcomes = new ConcurrentHashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (outcomes.size() < deviceIds.size()) {
      DeviceReport report = reports.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      assertThat(report)
          .as(
              "terminal reports: got %d of %d: %s",
              outcomes.size(), deviceIds.size(), outcomes.keySet())
          .isNotNull();
      if (report.report().state().isTerminal() && deviceIds.contains(report.deviceId())) {
        assertThat(outcomes.put(report.deviceId(), report.report()))
            .as("one terminal report per device")
            .isNull();
      }
    }
    return outcomes;
  }

  static Delivery delivery(
      String deviceId, String updateId, String version, byte[] image, boolean rollback) {
    return new Delivery(
        deviceId,
        updateId,
        version,
        Artifact.full(image.length, sha256(image), CHUNK),
        rollback,
        null,
        ArtifactSource.ofBytes(image));
  }

  static Delivery deltaDelivery(
      String deviceId, String updateId, String from, String to, byte[] patch, byte[] result) {
    return new Delivery(
        deviceId,
        updateId,
        to,
        new Artifact(ArtifactKind.DELTA, from, patch.length, sha256(result), CHUNK),
        ArtifactSource.ofBytes(patch));
  }

  static String sha256(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  static byte[] sample(String name) {
    try {
      return Files.readAllBytes(Path.of("..", "firmware-samples", name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
