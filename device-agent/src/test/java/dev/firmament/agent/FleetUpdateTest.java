package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway and simulated devices end to end, over the embedded broker: faults, refusals, deltas
 * and signatures. {@link BrokerContractTests} holds what also runs against mosquitto.
 */
class FleetUpdateTest extends FleetTestSupport {

  @TempDir static Path brokerDir;
  private static HiveMqTestBroker broker;
  private static final byte[] PATCH = BrokerContractTests.PATCH;

  @BeforeAll
  static void startBroker() {
    broker = HiveMqTestBroker.start(brokerDir);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Override
  String brokerUrl() {
    return broker.url();
  }

  @Test
  void aCorruptedChunkIsNeverInstalled() throws Exception {
    fleet =
        start(
            SimulatedDeviceSpec.numbered("corrupt", 2, "1.0.0"),
            FleetOptions.defaults().withCorruptChunkProbability(1.0));

    for (String id : fleet.deviceIds()) {
      gateway.offer(delivery(id, "u-" + id, "2.0.0", NEW_IMAGE, false));
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
  void aDowngradeIsRefusedUnlessItIsARollback() throws Exception {
    fleet =
        start(List.of(new SimulatedDeviceSpec("downgrade-1", "2.0.0")), FleetOptions.defaults());

    gateway.offer(delivery("downgrade-1", "u-down", "1.0.0", OLD_IMAGE, false));
    StatusReport refused =
        awaitTerminal(List.of("downgrade-1"), Duration.ofSeconds(10)).get("downgrade-1");
    gateway.offer(delivery("downgrade-1", "u-rollback", "1.0.0", OLD_IMAGE, true));
    StatusReport rolledBack =
        awaitTerminal(List.of("downgrade-1"), Duration.ofSeconds(10)).get("downgrade-1");

    assertThat(refused.state()).isEqualTo(DeviceState.REJECTED);
    assertThat(refused.code()).isEqualTo(ErrorCode.DOWNGRADE_REFUSED);
    assertThat(rolledBack.state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(rolledBack.currentVersion()).isEqualTo("1.0.0");
  }

  @Test
  void silentDevicesCostNoBytes() throws Exception {
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("silent-2", "1.0.0")),
            FleetOptions.defaults().withNeverAnswerProbability(1.0));

    gateway.offer(delivery("silent-2", "u-silent", "2.0.0", NEW_IMAGE, false));

    assertThat(reports.poll(500, TimeUnit.MILLISECONDS))
        .as("the silent device says nothing")
        .isNull();
    assertThat(gateway.stats().bytesSent()).isZero();
    assertThat(gateway.stats().activeDeliveries()).isEqualTo(1);
  }

  @Test
  void aDeltaForAnotherBaseVersionOrWithoutABaseImageIsRejected() throws Exception {
    fleet =
        start(
            List.of(
                new SimulatedDeviceSpec("base-1", "1.5.0", OLD_IMAGE, null, null),
                new SimulatedDeviceSpec("nobase-1", "1.0.0")),
            FleetOptions.defaults());

    gateway.offer(deltaDelivery("base-1", "u-base", "1.0.0", "2.0.0", PATCH, NEW_IMAGE));
    gateway.offer(deltaDelivery("nobase-1", "u-nobase", "1.0.0", "2.0.0", PATCH, NEW_IMAGE));

    Map<String, StatusReport> outcomes =
        awaitTerminal(List.of("base-1", "nobase-1"), Duration.ofSeconds(10));
    assertThat(outcomes.get("base-1").state()).isEqualTo(DeviceState.REJECTED);
    assertThat(outcomes.get("base-1").code()).isEqualTo(ErrorCode.WRONG_BASE_VERSION);
    assertThat(outcomes.get("nobase-1").state()).isEqualTo(DeviceState.REJECTED);
    assertThat(outcomes.get("nobase-1").code()).isEqualTo(ErrorCode.UNSUPPORTED_ARTIFACT);
    assertThat(gateway.stats().bytesSent()).isZero();
  }

  @Test
  void aCorruptedDeltaChunkIsNeverInstalled() throws Exception {
    fleet =
        start(
            SimulatedDeviceSpec.numbered("deltacorrupt", 3, "1.0.0", OLD_IMAGE),
            FleetOptions.defaults().withCorruptChunkProbability(1.0));

    for (String id : fleet.deviceIds()) {
      gateway.offer(deltaDelivery(id, "u-" + id, "1.0.0", "2.0.0", PATCH, NEW_IMAGE));
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
              assertThat(d.installs()).isZero();
            });
  }

  @Test
  void aDeltaAppliesBetweenFileSlotsAndTheNextDeltaBuildsOnIt(@TempDir Path slots)
      throws Exception {
    byte[] third = NEW_IMAGE.clone();
    third[100] ^= 0x01;
    third[40_000] ^= 0x10;
    byte[] secondPatch = BrokerContractTests.patch(NEW_IMAGE, third);
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("files-1", "1.0.0", OLD_IMAGE, null, null)),
            FleetOptions.defaults().withSlotDirectory(slots));

    gateway.offer(deltaDelivery("files-1", "u-files-1", "1.0.0", "2.0.0", PATCH, NEW_IMAGE));
    StatusReport first = awaitTerminal(List.of("files-1"), Duration.ofSeconds(10)).get("files-1");
    gateway.offer(deltaDelivery("files-1", "u-files-2", "2.0.0", "2.0.1", secondPatch, third));
    StatusReport second = awaitTerminal(List.of("files-1"), Duration.ofSeconds(10)).get("files-1");

    assertThat(first.state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(second.state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(second.currentVersion()).isEqualTo("2.0.1");
    FileSlotStore store = new FileSlotStore(slots.resolve("files-1"), "unused");
    assertThat(store.activeSlot()).isEqualTo(SlotId.A);
    assertThat(Files.readAllBytes(store.image(SlotId.A))).isEqualTo(third);
    assertThat(Files.readAllBytes(store.image(SlotId.B))).isEqualTo(NEW_IMAGE);
  }

  @Test
  void aSignedOfferIsInstalledAndAnUnsignedOrForgedOneIsRejectedWithoutTouchingTheSlots()
      throws Exception {
    KeyPair release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    OfferVerifier verifier =
        OfferVerifier.ed25519(Base64.getEncoder().encodeToString(release.getPublic().getEncoded()));
    fleet =
        start(
            SimulatedDeviceSpec.numbered("signed", 5, "1.0.0", OLD_IMAGE),
            FleetOptions.defaults().withOfferVerifier(verifier));
    String manifest = Manifests.canonical("2.0.0", NEW_IMAGE);
    String otherImageManifest = Manifests.canonical("2.0.0", OLD_IMAGE);

    gateway.offer(signed("signed-00000", PATCH, manifest, Manifests.sign(release, manifest)));
    gateway.offer(signed("signed-00001", PATCH, manifest, null));
    gateway.offer(signed("signed-00002", PATCH, manifest, Manifests.sign(other, manifest)));
    gateway.offer(
        signed(
            "signed-00003",
            PATCH,
            otherImageManifest,
            Manifests.sign(release, otherImageManifest)));
    gateway.offer(signed("signed-00004", PATCH, null, Manifests.sign(release, manifest)));

    Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(15));
    assertThat(outcomes.get("signed-00000").state()).isEqualTo(DeviceState.SUCCEEDED);
    for (String id : List.of("signed-00001", "signed-00002", "signed-00003", "signed-00004")) {
      assertThat(outcomes.get(id).state()).as(id).isEqualTo(DeviceState.REJECTED);
      assertThat(outcomes.get(id).code()).as(id).isEqualTo(ErrorCode.BAD_SIGNATURE);
      assertThat(fleet.device(id).activeSlot()).as(id).isEqualTo(SlotId.A);
      assertThat(fleet.device(id).currentVersion()).as(id).isEqualTo("1.0.0");
    }
    assertThat(gateway.stats().bytesSent()).isEqualTo(PATCH.length);
  }

  private static Delivery signed(String deviceId, byte[] patch, String manifest, String signature) {
    return new Delivery(
        deviceId,
        "u-" + deviceId,
        "2.0.0",
        new Artifact(ArtifactKind.DELTA, "1.0.0", patch.length, sha256(NEW_IMAGE), CHUNK),
        false,
        signature,
        manifest,
        ArtifactSource.ofBytes(patch));
  }

  @Test
  void aDeviceWhoseNewSlotDoesNotBootRollsBack() throws Exception {
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("noboot-1", "1.0.0")),
            FleetOptions.defaults().withFailBootProbability(1.0));

    gateway.offer(delivery("noboot-1", "u-noboot", "2.0.0", NEW_IMAGE, false));

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
        budgeted.offer(delivery(id, "u-" + id, "2.0.0", NEW_IMAGE, false));
      }

      Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(30));
      assertThat(outcomes.values())
          .allSatisfy(r -> assertThat(r.state()).isEqualTo(DeviceState.SUCCEEDED));
      // Chunks are QoS 0: on a loaded machine a frame may be lost and sent again after the
      // device's gap acknowledgement, which costs at most one window per device.
      assertThat(budgeted.stats().bytesSent())
          .isBetween(10L * NEW_IMAGE.length, 10L * (NEW_IMAGE.length + 8L * CHUNK));
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

    gateway.offer(delivery("revert-1", "u-revert", "2.0.0", NEW_IMAGE, false));

    StatusReport first = awaitTerminal(List.of("revert-1"), Duration.ofSeconds(10)).get("revert-1");
    StatusReport later = awaitTerminal(List.of("revert-1"), Duration.ofSeconds(10)).get("revert-1");
    assertThat(first.state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(later.state()).isEqualTo(DeviceState.ROLLED_BACK);
    assertThat(later.currentVersion()).isEqualTo("1.0.0");
    assertThat(fleet.device("revert-1").activeSlot()).isEqualTo(SlotId.A);
  }
}
