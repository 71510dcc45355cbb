package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.DeviceAgent;
import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.protocol.NetworkConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network configuration through the whole stack with reference agents on the embedded broker (with
 * device identity enforced): a published configuration reaches every member over the device
 * protocol and each answer is stored per device and version, a rejection with the device's reason;
 * a member offline when a version is published gets it when it connects; a new version supersedes
 * the last; a device restarted from its state directory still holds its configuration and catches
 * up; a mesh node waits for its gateway; a removed member drops its configuration.
 */
class NetworksEndToEndTest {
  private static final String MEMBERS =
      "query($id: ID!) { network(id: $id) { configuration { version } devices { items {"
          + " device { id } role ackState ackReason appliedVersion sentVersion } } } }";

  @TempDir static Path dataDir;
  private static DevServer server;

  @BeforeAll
  static void start() {
    server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String createNetwork(GraphqlClient api, String name, String kind, String json) {
    Map<String, Object> input = new HashMap<>();
    input.put("name", name);
    input.put("kind", kind);
    input.put("settings", json);
    return api.execute(
            "mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { network { id } } }",
            Map.of("i", input))
        .path("createNetwork")
        .path("network")
        .path("id")
        .asText();
  }

  private static void add(GraphqlClient api, String network, String device, String role) {
    api.execute(
        "mutation($i: AddNetworkDeviceInput!) { addNetworkDevice(input: $i) { member { role } } }",
        Map.of("i", Map.of("id", network, "deviceId", device, "role", role)));
  }

  private static long publish(GraphqlClient api, String network, String json) {
    return api.execute(
            "mutation($i: PublishNetworkConfigurationInput!) {"
                + " publishNetworkConfiguration(input: $i) { configuration { version } } }",
            Map.of("i", Map.of("id", network, "settings", json)))
        .path("publishNetworkConfiguration")
        .path("configuration")
        .path("version")
        .asLong();
  }

  /** The network's members as the API shows them, by device id. */
  private static Map<String, JsonNode> members(GraphqlClient api, String network) {
    Map<String, JsonNode> byDevice = new HashMap<>();
    api.execute(MEMBERS, Map.of("id", network))
        .path("network")
        .path("devices")
        .path("items")
        .forEach(m -> byDevice.put(m.path("device").path("id").asText(), m));
    return byDevice;
  }

  private static void awaitState(
      GraphqlClient api, String network, String device, String state, long applied) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode member = members(api, network).get(device);
              assertThat(member.path("ackState").asText()).as(device).isEqualTo(state);
              assertThat(member.path("appliedVersion").asLong(0)).as(device).isEqualTo(applied);
            });
  }

  private static long heldVersion(DeviceAgent agent) {
    return agent.network().map(NetworkConfig::version).orElse(0L);
  }

  @Test
  void configurationReachesMembersAndTheirAnswersAreStored() throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("net", 6));
    List<SimulatedDeviceSpec> specs = prepared.devices();
    String mqtt = server.stack().endpoints().mqttUrl();
    FleetOptions options =
        Demo.fleetOptions(server, prepared.productId())
            .withSlotDirectory(dataDir.resolve("network-devices"));
    DSLContext db = server.context().getBean(DSLContext.class);
    String gateway = "net-00000";
    String node = "net-00001";
    String noRadio = "net-00002";
    String late = "net-00003";
    String waitingNode = "net-00004";
    String secondGateway = "net-00005";

    // Everyone but the late device is online before it joins anything.
    FleetSimulator fleet =
        FleetSimulator.start(
            mqtt,
            List.of(specs.get(0), specs.get(1), specs.get(2), specs.get(4), specs.get(5)),
            options);
    FleetSimulator lateFleet = null;
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> db.fetchCount(DEVICES, DEVICES.ID.like("net-%").and(DEVICES.ONLINE)) == 5);
      // This device's application cannot run a mesh: it says so for every configuration.
      fleet.agent(noRadio).setNetworkCheck(config -> "no 802.15.4 radio on this board");

      String mesh = createNetwork(api, "plant-mesh", "MESH", "{\"channel\": 15, \"panId\": 4660}");
      add(api, mesh, gateway, "GATEWAY");
      add(api, mesh, node, "NODE");
      add(api, mesh, noRadio, "NODE");
      add(api, mesh, late, "NODE");

      // Online members get version 1 over MQTT and answer; the answers are stored.
      awaitState(api, mesh, gateway, "APPLIED", 1);
      awaitState(api, mesh, node, "APPLIED", 1);
      awaitState(api, mesh, noRadio, "REJECTED", 0);
      assertThat(members(api, mesh).get(noRadio).path("ackReason").asText())
          .isEqualTo("no 802.15.4 radio on this board");
      assertThat(members(api, mesh).get(late).path("ackState").asText()).isEqualTo("PENDING");
      NetworkConfig held = fleet.agent(node).network().orElseThrow();
      assertThat(held.network()).isEqualTo(mesh);
      assertThat(held.role()).isEqualTo("NODE");
      assertThat(held.kind()).isEqualTo("MESH");
      assertThat(held.settings().path("panId").asInt()).isEqualTo(4660);
      assertThat(fleet.agent(gateway).network().orElseThrow().role()).isEqualTo("GATEWAY");
      assertThat(fleet.agent(noRadio).network()).isEmpty();

      // A new version supersedes: applied by those that can, rejected again by the one that can't.
      long v2 = publish(api, mesh, "{\"channel\": 20, \"panId\": 4660}");
      assertThat(v2).isEqualTo(2);
      awaitState(api, mesh, gateway, "APPLIED", 2);
      awaitState(api, mesh, node, "APPLIED", 2);
      awaitState(api, mesh, noRadio, "REJECTED", 0);
      assertThat(fleet.agent(node).network().orElseThrow().settings().path("channel").asInt())
          .isEqualTo(20);
      assertThat(members(api, mesh).get(late).path("ackState").asText()).isEqualTo("PENDING");

      // The member offline all along gets the latest version when it connects.
      lateFleet = FleetSimulator.start(mqtt, List.of(specs.get(3)), options);
      awaitState(api, mesh, late, "APPLIED", 2);
      assertThat(heldVersion(lateFleet.agent(late))).isEqualTo(2);

      // A mesh node waits for its mesh's gateway; adding the gateway releases it.
      String yard = createNetwork(api, "yard-mesh", "MESH", "{\"channel\": 25, \"panId\": 1}");
      add(api, yard, waitingNode, "NODE");
      awaitState(api, yard, waitingNode, "WAITING_FOR_GATEWAY", 0);
      Thread.sleep(1_000);
      assertThat(fleet.agent(waitingNode).network()).isEmpty();
      add(api, yard, secondGateway, "GATEWAY");
      awaitState(api, yard, secondGateway, "APPLIED", 1);
      awaitState(api, yard, waitingNode, "APPLIED", 1);
      assertThat(fleet.agent(waitingNode).network().orElseThrow().network()).isEqualTo(yard);

      // A removed member drops its configuration.
      api.execute(
          "mutation($i: RemoveNetworkDeviceInput!) { removeNetworkDevice(input: $i) { member {"
              + " role } } }",
          Map.of("i", Map.of("id", mesh, "deviceId", node)));
      await().atMost(Duration.ofSeconds(20)).until(() -> fleet.agent(node).network().isEmpty());

      // Restarted from its state directory, a device still holds what it applied, and catches up
      // with a version published while it was away.
      lateFleet.close();
      lateFleet = null;
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> db.fetchCount(DEVICES, DEVICES.ID.eq(late).and(DEVICES.ONLINE)) == 0);
      Path kept = dataDir.resolve("network-devices").resolve(late).resolve("network.json");
      assertThat(Files.readString(kept)).contains("\"version\":2", "\"channel\":20");
      long v3 = publish(api, mesh, "{\"channel\": 21, \"panId\": 4660}");
      awaitState(api, mesh, late, "PENDING", 2);
      lateFleet = FleetSimulator.start(mqtt, List.of(specs.get(3)), options);
      awaitState(api, mesh, late, "APPLIED", v3);
      assertThat(heldVersion(lateFleet.agent(late))).isEqualTo(v3);
      assertThat(Files.readString(kept)).contains("\"version\":3", "\"channel\":21");
    } finally {
      if (lateFleet != null) {
        lateFleet.close();
      }
      fleet.close();
    }
  }
}
