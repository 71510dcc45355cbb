package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.DeviceReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thousand simulated devices take a delta update while about one in ten misbehaves (seeded, all
 * fault kinds mixed); each device must end exactly as its drawn faults say.
 */
class FleetFaultsTest extends FleetTestSupport {

  private static final int DEVICES = 1_000;

  @TempDir static Path brokerDir;
  private static HiveMqTestBroker broker;

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

  /** How a device ends: its last terminal report (null: none) and the version it runs. */
  record Outcome(DeviceState state, ErrorCode code, String version) {}

  @Test
  void aThousandDevicesWithTenPercentFaultsEndExactlyAsTheirFaultsSay() throws Exception {
    FleetOptions options =
        FleetOptions.defaults()
            .withSeed(20_261_125)
            .withDropConnectionProbability(0.02)
            .withCorruptChunkProbability(0.02)
            .withSlowLink(0.02, Duration.ofMillis(5))
            .withFailBootProbability(0.015)
            .withNeverAnswerProbability(0.015)
            .withRevertAfterSuccessProbability(0.01);
    fleet = start(SimulatedDeviceSpec.numbered("faults", DEVICES, "1.0.0", OLD_IMAGE), options);
    Map<String, Outcome> expected = new TreeMap<>();
    for (DeviceSnapshot device : fleet.devices()) {
      expected.put(device.deviceId(), expectedOutcome(device.faults()));
    }
    long faulty = fleet.devices().stream().filter(d -> d.faults().any()).count();
    assertThat(faulty).as("devices with faults").isBetween(70L, 130L);

    Map<String, List<DeviceState>> terminals = new ConcurrentHashMap<>();
    gateway.onReport(
        (DeviceReport r) -> {
          if (r.report().state().isTerminal()) {
            terminals
                .computeIfAbsent(r.deviceId(), id -> new CopyOnWriteArrayList<>())
                .add(r.report().state());
          }
        });
    Map<String, StatusReport> last = new ConcurrentHashMap<>();
    gateway.onReport(
        r -> {
          if (r.report().state().isTerminal()) {
            last.put(r.deviceId(), r.report());
          }
        });
    for (String id : fleet.deviceIds()) {
      gateway.offer(
          deltaDelivery(id, "u-" + id, "1.0.0", "2.0.0", BrokerContractTests.PATCH, NEW_IMAGE));
    }

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertEndedAsExpected(expected, last));
    // Late, unexpected reports (a second terminal state, a silent device waking up) get half a
    // second to show before the checks below; the outcomes must hold meanwhile.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertEndedAsExpected(expected, last));
    for (DeviceSnapshot device : fleet.devices()) {
      List<DeviceState> seen = terminals.getOrDefault(device.deviceId(), List.of());
      DeviceFaults f = device.faults();
      if (!f.neverAnswer() && !f.corruptChunk() && !f.failBoot() && f.revertAfterSuccess()) {
        assertThat(seen)
            .as(device.deviceId())
            .containsExactly(DeviceState.SUCCEEDED, DeviceState.ROLLED_BACK);
      } else if (!f.neverAnswer()) {
        assertThat(seen).as(device.deviceId()).hasSize(1);
      }
      // Successful and later reverted devices both switched slots once.
      int installs = f.neverAnswer() || f.corruptChunk() || f.failBoot() ? 0 : 1;
      assertThat(device.installs()).as(device.deviceId()).isEqualTo(installs);
    }
    // A silent device holds a delivery open; everything else is done.
    long silent = expected.values().stream().filter(o -> o.state() == null).count();
    assertThat(gateway.stats().activeDeliveries()).isEqualTo((int) silent);
    assertThat(terminals.keySet()).doesNotContainAnyElementsOf(silentIds(expected));
  }

  private void assertEndedAsExpected(
      Map<String, Outcome> expected, Map<String, StatusReport> last) {
    Map<String, Outcome> actual = actual(last);
    Map<String, String> differences = new LinkedHashMap<>();
    for (var e : expected.entrySet()) {
      Outcome got = actual.get(e.getKey());
      if (!e.getValue().equals(got)) {
        differences.put(
            e.getKey(),
            "expected " + e.getValue() + ", got " + got + " " + fleet.device(e.getKey()));
      }
    }
    assertThat(differences).as("devices that did not end as expected").isEmpty();
  }

  /** What a device with these faults must end with; the order of the checks is the agent's. */
  static Outcome expectedOutcome(DeviceFaults faults) {
    if (faults.neverAnswer()) {
      return new Outcome(null, null, "1.0.0");
    }
    if (faults.corruptChunk()) {
      return new Outcome(DeviceState.FAILED, ErrorCode.HASH_MISMATCH, "1.0.0");
    }
    if (faults.failBoot() || faults.revertAfterSuccess()) {
      return new Outcome(DeviceState.ROLLED_BACK, ErrorCode.BOOT_FAILED, "1.0.0");
    }
    // Dropped connections and slow links only slow a device down.
    return new Outcome(DeviceState.SUCCEEDED, null, "2.0.0");
  }

  private Map<String, Outcome> actual(Map<String, StatusReport> last) {
    Map<String, Outcome> actual = new TreeMap<>();
    for (DeviceSnapshot device : fleet.devices()) {
      StatusReport report = last.get(device.deviceId());
      actual.put(
          device.deviceId(),
          new Outcome(
              report == null ? null : report.state(),
              report == null ? null : report.code(),
              device.currentVersion()));
    }
    return actual;
  }

  private static Set<String> silentIds(Map<String, Outcome> expected) {
    return expected.entrySet().stream()
        .filter(e -> e.getValue().state() == null)
        .map(Map.Entry::getKey)
        .collect(java.util.stream.Collectors.toSet());
  }
}
