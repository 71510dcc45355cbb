package dev.firmament.workers.network;

import static dev.firmament.sql.generated.Tables.NETWORKS;
import static dev.firmament.sql.generated.Tables.NETWORK_CONFIGURATIONS;
import static dev.firmament.sql.generated.Tables.NETWORK_CONFIG_ACKS;
import static dev.firmament.sql.generated.Tables.NETWORK_DEVICES;
import static dev.firmament.sql.generated.Tables.NETWORK_PUSHES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.protocol.NetworkAck;
import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.NetworkMessage;
import dev.firmament.protocol.NetworkSync;
import dev.firmament.protocol.server.DeviceNetworkReport;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' side of network configuration on real PostgreSQL: answers recorded per device and
 * version (stray ones dropped), sync answers, and pushes of the API's changes to online members.
 */
class DeviceNetworkSyncTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  /** A network with versions 1 to {@code versions} published, as the API writes them. */
  private static UUID network(UUID org, String kind, int versions) {
    UUID id = UUID.randomUUID();
    dsl.insertInto(NETWORKS)
        .set(NETWORKS.ID, id)
        .set(NETWORKS.ORGANIZATION_ID, org)
        .set(NETWORKS.NAME, "n-" + id)
        .set(NETWORKS.KIND, kind)
        .set(NETWORKS.CONFIG_VERSION, (long) versions)
        .set(NETWORKS.CREATED_BY, "test")
        .execute();
    for (int v = 1; v <= versions; v++) {
      dsl.insertInto(NETWORK_CONFIGURATIONS)
          .set(NETWORK_CONFIGURATIONS.NETWORK_ID, id)
          .set(NETWORK_CONFIGURATIONS.ORGANIZATION_ID, org)
          .set(NETWORK_CONFIGURATIONS.VERSION, (long) v)
          .set(
              NETWORK_CONFIGURATIONS.SETTINGS,
              kind.equals("MESH")
                  ? "{\"channel\":" + (10 + v) + ",\"panId\":1}"
                  : "{\"vlanId\":" + v + "}")
          .set(NETWORK_CONFIGURATIONS.PUBLISHED_BY, "test")
          .execute();
    }
    return id;
  }

  private static void member(UUID org, UUID network, String device, String role) {
    dsl.insertInto(NETWORK_DEVICES)
        .set(NETWORK_DEVICES.NETWORK_ID, network)
        .set(NETWORK_DEVICES.DEVICE_ID, device)
        .set(NETWORK_DEVICES.ORGANIZATION_ID, org)
        .set(NETWORK_DEVICES.ROLE, role)
        .set(NETWORK_DEVICES.ADDED_BY, "test")
        .execute();
  }

  private static DeviceNetworkReport report(String device, NetworkMessage message) {
    return new DeviceNetworkReport(device, message, Instant.now());
  }

  private static List<NetworkConfig> sent(RecordingGateway gateway, String device) {
    return List.copyOf(gateway.networkSent.getOrDefault(device, List.of()));
  }

  private static List<String> answers(String device) {
    return dsl.select(
            NETWORK_CONFIG_ACKS.VERSION, NETWORK_CONFIG_ACKS.RESULT, NETWORK_CONFIG_ACKS.REASON)
        .from(NETWORK_CONFIG_ACKS)
        .where(NETWORK_CONFIG_ACKS.DEVICE_ID.eq(device))
        .orderBy(NETWORK_CONFIG_ACKS.VERSION)
        .fetch(r -> r.value1() + " " + r.value2() + (r.value3() == null ? "" : " " + r.value3()));
  }

  private static long sentVersion(String device) {
    return dsl.select(NETWORK_DEVICES.SENT_VERSION)
        .from(NETWORK_DEVICES)
        .where(NETWORK_DEVICES.DEVICE_ID.eq(device))
        .fetchSingle()
        .value1();
  }

  @Test
  void answersAreRecordedPerVersionAndStrayOnesAreDropped() throws Exception {
    UUID[] op = database.organizationWithProduct();
    String device = database.device(op, true);
    String stranger = database.device(op, true);
    UUID vlan = network(op[0], "VLAN", 2);
    member(op[0], vlan, device, "NODE");
    String id = vlan.toString();
    DeviceNetworkSync sync = new DeviceNetworkSync(dsl, new RecordingGateway());
    try {
      sync.handle(report(device, NetworkAck.applied(id, 1)));
      sync.handle(report(device, NetworkAck.rejected(id, 2, "port is untagged")));
      // A version never published, a device that is no member, an unregistered device.
      sync.handle(report(device, NetworkAck.applied(id, 3)));
      sync.handle(report(stranger, NetworkAck.applied(id, 1)));
      sync.handle(report("nd-nobody", NetworkAck.applied(id, 1)));
      assertThat(answers(device)).containsExactly("1 APPLIED", "2 REJECTED port is untagged");
      assertThat(answers(stranger)).isEmpty();
      // A later answer to the same version replaces the earlier.
      sync.handle(report(device, NetworkAck.applied(id, 2)));
      assertThat(answers(device)).containsExactly("1 APPLIED", "2 APPLIED");
    } finally {
      sync.destroy();
    }
  }

  @Test
  void aSyncGetsWhatIsMissingAndAHeldLatestVersionIsRecordedAsApplied() throws Exception {
    UUID[] op = database.organizationWithProduct();
    String behind = database.device(op, true);
    String current = database.device(op, true);
    String former = database.device(op, true);
    String waiting = database.device(op, true);
    UUID vlan = network(op[0], "VLAN", 2);
    UUID mesh = network(op[0], "MESH", 1);
    member(op[0], vlan, behind, "NODE");
    member(op[0], vlan, current, "GATEWAY");
    member(op[0], mesh, waiting, "NODE");
    String id = vlan.toString();
    RecordingGateway gateway = new RecordingGateway();
    DeviceNetworkSync sync = new DeviceNetworkSync(dsl, gateway);
    try {
      sync.handle(report(behind, new NetworkSync(id, 1, "NODE")));
      assertThat(sent(gateway, behind))
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.version()).isEqualTo(2);
                assertThat(c.role()).isEqualTo("NODE");
                assertThat(c.settings().path("vlanId").asInt()).isEqualTo(2);
              });
      assertThat(sentVersion(behind)).isEqualTo(2);

      sync.handle(report(current, new NetworkSync(id, 2, "GATEWAY")));
      assertThat(sent(gateway, current)).isEmpty();
      assertThat(answers(current)).containsExactly("2 APPLIED");

      sync.handle(report(former, new NetworkSync(id, 2, "NODE")));
      assertThat(sent(gateway, former)).containsExactly(NetworkConfig.removal(id, 0));

      // A mesh node without a gateway is sent nothing, and keeps nothing recorded.
      sync.handle(report(waiting, NetworkSync.none()));
      assertThat(sent(gateway, waiting)).isEmpty();
      assertThat(sentVersion(waiting)).isZero();
    } finally {
      sync.destroy();
    }
  }

  @Test
  void anApiChangeIsPushedToOnlineMembersThatHaveNotAnswered() throws Exception {
    UUID[] op = database.organizationWithProduct();
    String online = database.device(op, true);
    String answered = database.device(op, true);
    String offline = database.device(op, false);
    String removed = database.device(op, true);
    UUID vlan = network(op[0], "VLAN", 1);
    member(op[0], vlan, online, "NODE");
    member(op[0], vlan, answered, "NODE");
    member(op[0], vlan, offline, "NODE");
    dsl.insertInto(NETWORK_CONFIG_ACKS)
        .set(NETWORK_CONFIG_ACKS.NETWORK_ID, vlan)
        .set(NETWORK_CONFIG_ACKS.ORGANIZATION_ID, op[0])
        .set(NETWORK_CONFIG_ACKS.DEVICE_ID, answered)
        .set(NETWORK_CONFIG_ACKS.VERSION, 1L)
        .set(NETWORK_CONFIG_ACKS.RESULT, "REJECTED")
        .set(NETWORK_CONFIG_ACKS.REASON, "no")
        .execute();
    RecordingGateway gateway = new RecordingGateway();
    NetworkPushes pushes = new NetworkPushes(dsl, gateway);
    try {
      dsl.insertInto(NETWORK_PUSHES)
          .set(NETWORK_PUSHES.ORGANIZATION_ID, op[0])
          .set(NETWORK_PUSHES.NETWORK_ID, vlan)
          .execute();
      dsl.insertInto(NETWORK_PUSHES)
          .set(NETWORK_PUSHES.ORGANIZATION_ID, op[0])
          .set(NETWORK_PUSHES.NETWORK_ID, vlan)
          .set(NETWORK_PUSHES.DEVICE_ID, removed)
          .execute();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  dsl.fetchCount(NETWORK_PUSHES, NETWORK_PUSHES.NETWORK_ID.eq(vlan)) == 0
                      && !sent(gateway, removed).isEmpty());
      assertThat(sent(gateway, online))
          .singleElement()
          .satisfies(c -> assertThat(c.version()).isEqualTo(1));
      assertThat(sentVersion(online)).isEqualTo(1);
      assertThat(sent(gateway, answered)).isEmpty();
      assertThat(sent(gateway, offline)).isEmpty();
      assertThat(sentVersion(offline)).isZero();
      assertThat(sent(gateway, removed)).containsExactly(NetworkConfig.removal(vlan.toString(), 0));
    } finally {
      pushes.destroy();
    }
  }
}
