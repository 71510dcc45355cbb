package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.devstack.EmbeddedMqttBroker;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway and simulated devices end to end, over a real embedded broker. */
class FleetUpdateTest {

  private static final int CHUNK = 4096;

  @TempDir static Path brokerDir;
  private static EmbeddedMqttBroker broker;
  private static byte[] newImage;
  private static byte[] oldImage;

  private MqttDeviceGateway gateway;
  private FleetSimulator fleet;
  private final BlockingQueue<DeviceReport> reports = new LinkedBlockingQueue<>();

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedMqttBroker.start(brokerDir, 0, null);
    newImage = Files.readAllBytes(Path.of("..", "firmware-samples", "armapp.new"));
    oldImage = Files.readAllBytes(Path.of("..", "firmware-samples", "armapp.old"));
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @BeforeEach
  void connectGateway() {
    gateway =
        MqttDeviceGateway.connect(
            GatewayOptions.of(broker.url()).withStallTimeout(Duration.ofSeconds(2)));
    gateway.onReport(reports::add);
  }

  @AfterEach
  void closeAll() {
    if (fleet != null) {
      fleet.close();
    }
    gateway.close();
  }

  @Test
  void fiftyDevicesInstallTheFullImageAndVerifyItsHash() throws Exception {
    fleet = start(SimulatedDeviceSpec.numbered("fifty", 50, "1.0.0"), FleetOptions.defaults());

    for (String id : fleet.deviceIds()) {
      gateway.offer(delivery(id, "u-" + id, "2.0.0", newImage, false));
    }

    Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(30));
    assertThat(outcomes.values())
        .allSatisfy(
            r -> {
              assertThat(r.state()).isEqualTo(DeviceState.SUCCEEDED);
              assertThat(r.currentVersion()).isEqualTo("2.0.0");
            });
    assertThat(fleet.devices())
        .allSatisfy(
            d -> {
              assertThat(d.currentVersion()).isEqualTo("2.0.0");
              assertThat(d.activeSlot()).isEqualTo(SlotId.B);
              assertThat(d.verifiedHashes()).isEqualTo(1);
            });
    long image = newImage.length;
    assertThat(gateway.stats().bytesSent()).isEqualTo(50 * image);
    assertThat(gateway.stats().chunksSent()).isEqualTo(50 * ((image + CHUNK - 1) / CHUNK));
    assertThat(gateway.stats().activeDeliveries()).isZero();
  }

  @Test
  void aCorruptedChunkIsNeverInstalled() throws Exception {
    fleet =
        start(
            SimulatedDeviceSpec.numbered("corrupt", 2, "1.0.0"),
            FleetOptions.defaults().withCorruptChunkProbability(1.0));

    for (String id : fleet.deviceIds()) {
      gateway.offer(delivery(id, "u-" + id, "2.0.0", newImage, false));
    }

    Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(15));
    assertThat(outcomes.values())
        .allSatisfy(
            r -> {
              assertThat(r.state()).isEqualTo(DeviceState.FAILED);
              assertThat(r.code()).isEqualTo(ErrorCode.HASH_MISMATCH);
              assertThat(r.currentVersion()).isEqualTo("1.0.0");
            });
    assertThat(fleet.devices())
        .allSatisfy(
            d -> {
              assertThat(d.activeSlot()).isEqualTo(SlotId.A);
              assertThat(d.currentVersion()).isEqualTo("1.0.0");
              assertThat(d.verifiedHashes()).isZero();
              assertThat(d.installs()).isZero();
            });
  }

  @Test
  void aTransferResumesAfterTheDeviceDropsItsConnection() throws Exception {
    fleet =
        start(
            SimulatedDeviceSpec.numbered("drop", 3, "1.0.0"),
            FleetOptions.defaults().withDropConnectionProbability(1.0));

    for (String id : fleet.deviceIds()) {
      gateway.offer(delivery(id, "u-" + id, "2.0.0", newImage, false));
    }

    Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(20));
    assertThat(outcomes.values())
        .allSatisfy(r -> assertThat(r.state()).isEqualTo(DeviceState.SUCCEEDED));
    assertThat(fleet.devices()).allSatisfy(d -> assertThat(d.verifiedHashes()).isEqualTo(1));
    long perDevice = gateway.stats().bytesSent() / 3;
    assertThat(perDevice)
        .as("bytes sent per device: resumed, not restarted")
        .isGreaterThan(newImage.length)
        .isLessThan(2L * newImage.length);
  }

  @Test
  void aDowngradeIsRefusedUnlessItIsARollback() throws Exception {
    fleet =
        start(List.of(new SimulatedDeviceSpec("downgrade-1", "2.0.0")), FleetOptions.defaults());

    gateway.offer(delivery("downgrade-1", "u-down", "1.0.0", oldImage, false));
    StatusReport refused =
        awaitTerminal(List.of("downgrade-1"), Duration.ofSeconds(10)).get("downgrade-1");
    gateway.offer(delivery("downgrade-1", "u-rollback", "1.0.0", oldImage, true));
    StatusReport rolledBack =
        awaitTerminal(List.of("downgrade-1"), Duration.ofSeconds(10)).get("downgrade-1");

    assertThat(refused.state()).isEqualTo(DeviceState.REJECTED);
    assertThat(refused.code()).isEqualTo(ErrorCode.DOWNGRADE_REFUSED);
    assertThat(rolledBack.state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(rolledBack.currentVersion()).isEqualTo("1.0.0");
  }

  @Test
  void deltasAreRejectedForNowAndSilentDevicesCostNoBytes() throws Exception {
    fleet =
        start(
            List.of(
                new SimulatedDeviceSpec("delta-1", "1.0.0"),
                new SimulatedDeviceSpec("silent-1", "1.0.0")),
            FleetOptions.defaults());
    FleetSimulator silent =
        start(
            List.of(new SimulatedDeviceSpec("silent-2", "1.0.0")),
            FleetOptions.defaults().withNeverAnswerProbability(1.0));
    try {
      Artifact delta =
          new Artifact(ArtifactKind.DELTA, "1.0.0", newImage.length, sha256(newImage), CHUNK);
      gateway.offer(
          new Delivery("delta-1", "u-delta", "2.0.0", delta, ArtifactSource.ofBytes(newImage)));
      gateway.offer(delivery("silent-2", "u-silent", "2.0.0", newImage, false));

      StatusReport report =
          awaitTerminal(List.of("delta-1"), Duration.ofSeconds(10)).get("delta-1");
      assertThat(report.state()).isEqualTo(DeviceState.REJECTED);
      assertThat(report.code()).isEqualTo(ErrorCode.UNSUPPORTED_ARTIFACT);
      assertThat(reports.poll(500, TimeUnit.MILLISECONDS))
          .as("the silent device says nothing")
          .isNull();
      assertThat(gateway.stats().bytesSent()).isZero();
      assertThat(gateway.stats().activeDeliveries()).isEqualTo(1);
    } finally {
      silent.close();
    }
  }

  @Test
  void aDeviceWhoseNewSlotDoesNotBootRollsBack() throws Exception {
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("noboot-1", "1.0.0")),
            FleetOptions.defaults().withFailBootProbability(1.0));

    gateway.offer(delivery("noboot-1", "u-noboot", "2.0.0", newImage, false));

    StatusReport report =
        awaitTerminal(List.of("noboot-1"), Duration.ofSeconds(10)).get("noboot-1");
    assertThat(report.state()).isEqualTo(DeviceState.ROLLED_BACK);
    assertThat(report.code()).isEqualTo(ErrorCode.BOOT_FAILED);
    assertThat(fleet.device("noboot-1").currentVersion()).isEqualTo("1.0.0");
  }

  @Test
  void aSecondGatewayWithASmallByteBudgetStillDeliversToEveryDevice() throws Exception {
    // Two workers in the shared group; this one may only have three chunks in flight in total.
    try (MqttDeviceGateway budgeted =
        MqttDeviceGateway.connect(
            GatewayOptions.of(broker.url()).withMaxBytesInFlight(3L * CHUNK))) {
      budgeted.onReport(reports::add);
      fleet = start(SimulatedDeviceSpec.numbered("budget", 10, "1.0.0"), FleetOptions.defaults());

      for (String id : fleet.deviceIds()) {
        budgeted.offer(delivery(id, "u-" + id, "2.0.0", newImage, false));
      }

      Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(30));
      assertThat(outcomes.values())
          .allSatisfy(r -> assertThat(r.state()).isEqualTo(DeviceState.SUCCEEDED));
      assertThat(budgeted.stats().bytesSent()).isEqualTo(10L * newImage.length);
      assertThat(budgeted.stats().bytesInFlight()).isZero();
      assertThat(gateway.stats().bytesSent()).isZero();
    }
  }

  @Test
  void aSlowDeviceThatRevertsAfterSuccessReportsTheRollback() throws Exception {
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("revert-1", "1.0.0")),
            FleetOptions.defaults()
                .withSlowLink(1.0, Duration.ofMillis(5))
                .withRevertAfterSuccessProbability(1.0));

    gateway.offer(delivery("revert-1", "u-revert", "2.0.0", newImage, false));

    StatusReport first = awaitTerminal(List.of("revert-1"), Duration.ofSeconds(10)).get("revert-1");
    StatusReport later = awaitTerminal(List.of("revert-1"), Duration.ofSeconds(10)).get("revert-1");
    assertThat(first.state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(later.state()).isEqualTo(DeviceState.ROLLED_BACK);
    assertThat(later.currentVersion()).isEqualTo("1.0.0");
    assertThat(fleet.device("revert-1").activeSlot()).isEqualTo(SlotId.A);
  }

  // ---- helpers ----

  private static FleetSimulator start(List<SimulatedDeviceSpec> devices, FleetOptions options) {
    return FleetSimulator.start(broker.url(), devices, options);
  }

  private Map<String, StatusReport> awaitTerminal(List<String> deviceIds, Duration timeout)
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

  private static Delivery delivery(
      String deviceId, String updateId, String version, byte[] image, boolean rollback)
      throws Exception {
    return new Delivery(
        deviceId,
        updateId,
        version,
        Artifact.full(image.length, sha256(image), CHUNK),
        rollback,
        null,
        ArtifactSource.ofBytes(image));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
