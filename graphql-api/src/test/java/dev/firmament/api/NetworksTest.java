package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.AUDIT_LOG;
import static dev.firmament.sql.generated.Tables.NETWORKS;
import static dev.firmament.sql.generated.Tables.NETWORK_CONFIG_ACKS;
import static dev.firmament.sql.generated.Tables.NETWORK_DEVICES;
import static dev.firmament.sql.generated.Tables.NETWORK_PUSHES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.graphql.test.tester.GraphQlTester;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * Private networks through the API on PostgreSQL: typed refusals that write nothing, membership
 * rules (one network per device, one gateway per mesh, a fixed role), versioned configurations with
 * the push rows the workers send on, where each member's configuration stands as the workers record
 * its answers, paging, scopes and the audit. Delivery to real devices is {@code
 * NetworksEndToEndTest}'s (launcher).
 */
class NetworksTest extends ApiIntegrationTest {
  private static final String CREATE =
      "mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { network { id name kind"
          + " description configuration { version settings publishedBy } } } }";
  private static final String ADD =
      "mutation($i: AddNetworkDeviceInput!) { addNetworkDevice(input: $i) { member { role"
          + " ackState sentVersion appliedVersion device { id } network { name } } } }";
  private static final String REMOVE =
      "mutation($i: RemoveNetworkDeviceInput!) { removeNetworkDevice(input: $i) { member { role"
          + " } } }";
  private static final String PUBLISH =
      "mutation($i: PublishNetworkConfigurationInput!) { publishNetworkConfiguration(input: $i) {"
          + " configuration { version settings } } }";
  private static final String MEMBERS =
      "query($id: ID!, $f: NetworkDeviceFilter) { network(id: $id) { configuration { version }"
          + " devices(filter: $f) { total items { device { id } role ackState ackReason"
          + " appliedVersion sentVersion acknowledgements { total items { version result reason"
          + " } } } } } }";
  private static final String MESH = "{\"channel\": 15, \"panId\": 4660}";

  private static Map<String, Object> network(String name, String kind, String settings) {
    Map<String, Object> input = new HashMap<>();
    input.put("name", name);
    input.put("kind", kind);
    input.put("description", "for tests");
    input.put("settings", settings);
    return input;
  }

  private String create(HttpGraphQlTester as, String name, String kind, String settings) {
    return as.document(CREATE)
        .variable("i", network(name, kind, settings))
        .execute()
        .path("createNetwork.network.id")
        .entity(String.class)
        .get();
  }

  private GraphQlTester.Request<?> add(String network, String device, String role) {
    return graphQl
        .document(ADD)
        .variable("i", Map.of("id", network, "deviceId", device, "role", role));
  }

  private long publish(String network, String settings) {
    return graphQl
        .document(PUBLISH)
        .variable("i", Map.of("id", network, "settings", settings))
        .execute()
        .path("publishNetworkConfiguration.configuration.version")
        .entity(Long.class)
        .get();
  }

  private int pushes(String network) {
    return dsl.fetchCount(NETWORK_PUSHES, NETWORK_PUSHES.NETWORK_ID.eq(UUID.fromString(network)));
  }

  /** An answer as the workers record it from the device's acknowledgement. */
  private void answer(String network, String device, long version, String result, String reason) {
    dsl.insertInto(NETWORK_CONFIG_ACKS)
        .set(NETWORK_CONFIG_ACKS.NETWORK_ID, UUID.fromString(network))
        .set(
            NETWORK_CONFIG_ACKS.ORGANIZATION_ID,
            dsl.select(NETWORKS.ORGANIZATION_ID)
                .from(NETWORKS)
                .where(NETWORKS.ID.eq(UUID.fromString(network)))
                .fetchSingle()
                .value1())
        .set(NETWORK_CONFIG_ACKS.DEVICE_ID, device)
        .set(NETWORK_CONFIG_ACKS.VERSION, version)
        .set(NETWORK_CONFIG_ACKS.RESULT, result)
        .set(NETWORK_CONFIG_ACKS.REASON, reason)
        .execute();
  }

  private void sent(String network, String device, long version) {
    dsl.update(NETWORK_DEVICES)
        .set(NETWORK_DEVICES.SENT_VERSION, version)
        .where(NETWORK_DEVICES.NETWORK_ID.eq(UUID.fromString(network)))
        .and(NETWORK_DEVICES.DEVICE_ID.eq(device))
        .execute();
  }

  @Test
  void badInputIsRefusedWithItsCodeAndWritesNothing() {
    String name = unique("net");
    String id = create(graphQl, name, "MESH", MESH);
    graphQl
        .document(
            "query($id: ID!) { network(id: $id) { kind configuration { version settings } } }")
        .variable("id", id)
        .execute()
        .path("network.configuration.version")
        .entity(Long.class)
        .isEqualTo(1L)
        .path("network.configuration.settings")
        .entity(String.class)
        .isEqualTo("{\"channel\":15,\"panId\":4660}");
    int networks = dsl.fetchCount(NETWORKS);

    assertRefused(
        graphQl.document(CREATE).variable("i", network(name, "VLAN", null)), "ALREADY_EXISTS");
    assertRefused(
        graphQl.document(CREATE).variable("i", network(" ", "VLAN", null)), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(CREATE).variable("i", network("x".repeat(101), "VLAN", null)),
        "INVALID_ARGUMENT");
    // Settings are checked against the kind: a mesh's settings are no VLAN's.
    graphQl
        .document(CREATE)
        .variable("i", network(unique("net"), "VLAN", MESH))
        .execute()
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getExtensions()).containsEntry("code", "INVALID_ARGUMENT");
                          assertThat(e.getMessage())
                              .startsWith("settings: 'channel' is no setting of a VLAN network");
                        }));
    assertRefused(
        graphQl
            .document(CREATE)
            .variable("i", network(unique("net"), "MESH", "{\"channel\": 27, \"panId\": 1}")),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(CREATE).variable("i", network(unique("net"), "MESH", "not json")),
        "INVALID_ARGUMENT");
    Map<String, Object> longDescription = network(unique("net"), "VLAN", null);
    longDescription.put("description", "d".repeat(1001));
    assertRefused(graphQl.document(CREATE).variable("i", longDescription), "INVALID_ARGUMENT");
    assertThat(dsl.fetchCount(NETWORKS)).isEqualTo(networks);

    // Publishing: checked against the kind, and against the expected version.
    int before = pushes(id);
    assertRefused(
        graphQl.document(PUBLISH).variable("i", Map.of("id", id, "settings", "{\"vlanId\": 3}")),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .document(PUBLISH)
            .variable("i", Map.of("id", id, "settings", MESH, "expectedVersion", 0)),
        "CONFLICT");
    assertThat(pushes(id)).isEqualTo(before);
    graphQl
        .document(PUBLISH)
        .variable("i", Map.of("id", id, "settings", MESH, "expectedVersion", 1))
        .execute()
        .path("publishNetworkConfiguration.configuration.version")
        .entity(Long.class)
        .isEqualTo(2L);
    assertThat(pushes(id)).isEqualTo(before + 1);
    assertRefused(
        graphQl
            .document(PUBLISH)
            .variable("i", Map.of("id", UUID.randomUUID().toString(), "settings", MESH)),
        "NOT_FOUND");

    // Renaming to a taken name; another organization's network is not found.
    String other = create(graphQl, unique("net"), "VLAN", null);
    assertRefused(
        graphQl
            .document(
                "mutation($i: UpdateNetworkInput!) { updateNetwork(input: $i) { network { name } } }")
            .variable("i", Map.of("id", other, "name", name)),
        "ALREADY_EXISTS");
    HttpGraphQlTester stranger = as(tokenFor(unique("net-other"), Role.OWNER));
    stranger
        .document("query($id: ID!) { network(id: $id) { id } }")
        .variable("id", id)
        .execute()
        .path("network")
        .valueIsNull();
    assertRefused(
        stranger.document(PUBLISH).variable("i", Map.of("id", id, "settings", MESH)), "NOT_FOUND");
  }

  @Test
  void membershipRulesHold() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("net-dev"), 4);
    String mesh = create(graphQl, unique("mesh"), "MESH", MESH);
    String vlan = create(graphQl, unique("vlan"), "VLAN", "{\"vlanId\": 42}");

    // A node of a mesh without a gateway waits; the gateway releases it.
    add(mesh, devices.get(0), "NODE")
        .execute()
        .path("addNetworkDevice.member.ackState")
        .entity(String.class)
        .isEqualTo("WAITING_FOR_GATEWAY")
        .path("addNetworkDevice.member.network.name")
        .hasValue();
    assertThat(pushes(mesh)).isEqualTo(1);
    add(mesh, devices.get(1), "GATEWAY")
        .execute()
        .path("addNetworkDevice.member.ackState")
        .entity(String.class)
        .isEqualTo("PENDING");
    // The gateway's push goes to every member (device_id null).
    assertThat(
            dsl.fetchCount(
                NETWORK_PUSHES,
                NETWORK_PUSHES
                    .NETWORK_ID
                    .eq(UUID.fromString(mesh))
                    .and(NETWORK_PUSHES.DEVICE_ID.isNull())))
        .isEqualTo(1);
    graphQl
        .document(MEMBERS)
        .variable("id", mesh)
        .variable("f", Map.of("ackState", "PENDING"))
        .execute()
        .path("network.devices.total")
        .entity(Integer.class)
        .isEqualTo(2);

    // One gateway per mesh; one network per device; a fixed role; adding again changes nothing.
    int members = dsl.fetchCount(NETWORK_DEVICES);
    assertRefused(add(mesh, devices.get(2), "GATEWAY"), "CONFLICT");
    assertRefused(add(vlan, devices.get(0), "NODE"), "CONFLICT");
    assertRefused(add(mesh, devices.get(0), "GATEWAY"), "CONFLICT");
    assertRefused(add(mesh, "no-such-device", "NODE"), "NOT_FOUND");
    assertRefused(add(UUID.randomUUID().toString(), devices.get(2), "NODE"), "NOT_FOUND");
    assertThat(dsl.fetchCount(NETWORK_DEVICES)).isEqualTo(members);
    add(mesh, devices.get(0), "NODE")
        .execute()
        .path("addNetworkDevice.member.role")
        .entity(String.class)
        .isEqualTo("NODE");
    assertThat(dsl.fetchCount(NETWORK_DEVICES)).isEqualTo(members);
    // A VLAN takes several gateways.
    add(vlan, devices.get(2), "GATEWAY").execute().path("addNetworkDevice.member").hasValue();
    add(vlan, devices.get(3), "GATEWAY").execute().path("addNetworkDevice.member").hasValue();
    // Another organization's device is as missing as none.
    HttpGraphQlTester stranger = as(tokenFor(unique("net-other"), Role.OWNER));
    String foreign =
        registerDevices(stranger, createProduct(stranger), unique("foreign"), 1).getFirst();
    assertRefused(add(vlan, foreign, "NODE"), "NOT_FOUND");

    // Removing a member sends it a removal; moving it to another network is then allowed.
    int before = pushes(mesh);
    graphQl
        .document(REMOVE)
        .variable("i", Map.of("id", mesh, "deviceId", devices.get(0)))
        .execute()
        .path("removeNetworkDevice.member.role")
        .entity(String.class)
        .isEqualTo("NODE");
    assertThat(pushes(mesh)).isEqualTo(before + 1);
    assertRefused(
        graphQl.document(REMOVE).variable("i", Map.of("id", mesh, "deviceId", devices.get(0))),
        "NOT_FOUND");
    add(vlan, devices.get(0), "NODE").execute().path("addNetworkDevice.member").hasValue();
    graphQl
        .document("query($d: ID!) { device(id: $d) { network { role network { kind } } } }")
        .variable("d", devices.get(0))
        .execute()
        .path("device.network.network.kind")
        .entity(String.class)
        .isEqualTo("VLAN");

    // Deleting a network sends every member a removal (a push row each) and frees the devices.
    int vlanPushes = pushes(vlan);
    graphQl
        .document("mutation($i: NetworkInput!) { deleteNetwork(input: $i) { deletedId } }")
        .variable("i", Map.of("id", vlan))
        .execute()
        .path("deleteNetwork.deletedId")
        .entity(String.class)
        .isEqualTo(vlan);
    assertThat(pushes(vlan)).isEqualTo(vlanPushes + 3);
    graphQl
        .document("query($d: ID!) { device(id: $d) { network { role } } }")
        .variable("d", devices.get(0))
        .execute()
        .path("device.network")
        .valueIsNull();
  }

  @Test
  void eachMembersStateFollowsWhatWasSentAndWhatItAnswered() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("net-ack"), 3);
    String vlan = create(graphQl, unique("vlan"), "VLAN", null);
    for (String device : devices) {
      add(vlan, device, "NODE")
          .execute()
          .path("addNetworkDevice.member.ackState")
          .entity(String.class)
          .isEqualTo("NONE");
    }
    long v1 = publish(vlan, "{\"vlanId\": 10}");
    assertThat(v1).isEqualTo(1);
    sent(vlan, devices.get(0), 1);
    sent(vlan, devices.get(1), 1);
    answer(vlan, devices.get(0), 1, "APPLIED", null);
    answer(vlan, devices.get(1), 1, "REJECTED", "no VLAN support on this port");
    var page = graphQl.document(MEMBERS).variable("id", vlan).execute();
    page.path("network.devices.items[0].ackState").entity(String.class).isEqualTo("APPLIED");
    page.path("network.devices.items[0].appliedVersion").entity(Long.class).isEqualTo(1L);
    page.path("network.devices.items[1].ackState").entity(String.class).isEqualTo("REJECTED");
    page.path("network.devices.items[1].ackReason")
        .entity(String.class)
        .isEqualTo("no VLAN support on this port");
    page.path("network.devices.items[1].appliedVersion").valueIsNull();
    page.path("network.devices.items[2].ackState").entity(String.class).isEqualTo("PENDING");

    // A new version supersedes: every member is open again, the applied version stays.
    long v2 = publish(vlan, "{\"vlanId\": 11, \"priority\": 5}");
    assertThat(v2).isEqualTo(2);
    sent(vlan, devices.get(0), 2);
    var next = graphQl.document(MEMBERS).variable("id", vlan).execute();
    next.path("network.configuration.version").entity(Long.class).isEqualTo(2L);
    next.path("network.devices.items[0].ackState").entity(String.class).isEqualTo("SENT");
    next.path("network.devices.items[0].appliedVersion").entity(Long.class).isEqualTo(1L);
    next.path("network.devices.items[1].ackState").entity(String.class).isEqualTo("PENDING");
    next.path("network.devices.items[1].ackReason").valueIsNull();
    answer(vlan, devices.get(0), 2, "APPLIED", null);
    graphQl
        .document(MEMBERS)
        .variable("id", vlan)
        .execute()
        .path("network.devices.items[0].appliedVersion")
        .entity(Long.class)
        .isEqualTo(2L)
        .path("network.devices.items[0].acknowledgements.total")
        .entity(Integer.class)
        .isEqualTo(2)
        .path("network.devices.items[0].acknowledgements.items[0].version")
        .entity(Long.class)
        .isEqualTo(2L);
    // The filter keeps the members in a state, as the states are computed.
    for (var expected : Map.of("APPLIED", 1, "PENDING", 2, "SENT", 0, "REJECTED", 0).entrySet()) {
      int total =
          graphQl
              .document(MEMBERS)
              .variable("id", vlan)
              .variable("f", Map.of("ackState", expected.getKey()))
              .execute()
              .path("network.devices.total")
              .entity(Integer.class)
              .get();
      assertThat(total).as(expected.getKey()).isEqualTo(expected.getValue());
    }
    // Removing a member forgets its answers: added again, it starts afresh.
    graphQl
        .document(REMOVE)
        .variable("i", Map.of("id", vlan, "deviceId", devices.get(0)))
        .execute();
    add(vlan, devices.get(0), "GATEWAY")
        .execute()
        .path("addNetworkDevice.member.ackState")
        .entity(String.class)
        .isEqualTo("PENDING")
        .path("addNetworkDevice.member.appliedVersion")
        .valueIsNull();
  }

  @Test
  void networksPageAndSort() {
    String organization = unique("net-page");
    HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
    for (String name : List.of("charlie", "alpha", "bravo")) {
      create(owner, name, name.equals("bravo") ? "VLAN" : "PRIVATE_APN", null);
    }
    owner
        .document("{ login { networks(from: 0, size: 2) { total hasMore last items { name } } } }")
        .execute()
        .path("login.networks.total")
        .entity(Integer.class)
        .isEqualTo(3)
        .path("login.networks.hasMore")
        .entity(Boolean.class)
        .isEqualTo(true)
        .path("login.networks.last")
        .entity(Integer.class)
        .isEqualTo(1)
        .path("login.networks.items[*].name")
        .entityList(String.class)
        .containsExactly("alpha", "bravo");
    owner
        .document("{ login { networks(from: 2, size: 2) { hasMore items { name } } } }")
        .execute()
        .path("login.networks.hasMore")
        .entity(Boolean.class)
        .isEqualTo(false)
        .path("login.networks.items[*].name")
        .entityList(String.class)
        .containsExactly("charlie");
    owner
        .document(
            "{ login { networks(sort: \"-name\", filter: {kind: PRIVATE_APN}) { items { name } } } }")
        .execute()
        .path("login.networks.items[*].name")
        .entityList(String.class)
        .containsExactly("charlie", "alpha");
    assertRefused(
        owner.document("{ login { networks(size: 1001) { total } } }"), "INVALID_ARGUMENT");
    assertRefused(owner.document("{ login { networks(from: -1) { total } } }"), "INVALID_ARGUMENT");
    assertRefused(
        owner.document("{ login { networks(sort: \"owner\") { total } } }"), "INVALID_ARGUMENT");
    owner
        .document("{ login { networks(size: 1000) { total } } }")
        .execute()
        .path("login.networks.total")
        .entity(Integer.class)
        .isEqualTo(3);
  }

  @Test
  void readingNeedsDevicesReadWritingDevicesWriteAndEveryMutationIsAudited() {
    String organization = unique("net-scopes");
    HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
    String id = create(owner, "plant", "VLAN", "{\"vlanId\": 7}");
    HttpGraphQlTester auditor = as(tokenFor(organization, Role.AUDITOR));
    auditor
        .document("{ login { networks { total } } }")
        .execute()
        .path("login.networks.total")
        .entity(Integer.class)
        .isEqualTo(1);
    assertRefused(
        auditor.document(CREATE).variable("i", network("other", "VLAN", null)), "FORBIDDEN");
    assertRefused(
        auditor.document(PUBLISH).variable("i", Map.of("id", id, "settings", "{\"vlanId\": 8}")),
        "FORBIDDEN");
    HttpGraphQlTester operator = as(tokenFor(organization, Role.OPERATOR));
    operator
        .document(PUBLISH)
        .variable("i", Map.of("id", id, "settings", "{\"vlanId\": 8}"))
        .execute()
        .path("publishNetworkConfiguration.configuration.version")
        .entity(Long.class)
        .isEqualTo(2L);
    UUID org =
        dsl.select(NETWORKS.ORGANIZATION_ID)
            .from(NETWORKS)
            .where(NETWORKS.ID.eq(UUID.fromString(id)))
            .fetchSingle()
            .value1();
    // Refused attempts are recorded too, with their outcome.
    assertThat(
            dsl.select(AUDIT_LOG.ACTION, AUDIT_LOG.TARGET, AUDIT_LOG.DETAILS)
                .from(AUDIT_LOG)
                .where(AUDIT_LOG.ORGANIZATION_ID.eq(org))
                .and(AUDIT_LOG.ACTION.in("createNetwork", "publishNetworkConfiguration"))
                .orderBy(AUDIT_LOG.ID)
                .fetch(
                    r ->
                        r.value1()
                            + " "
                            + r.value2()
                            + " "
                            + r.value3().replaceAll(".*\"outcome\":\"([A-Za-z_]+)\".*", "$1")))
        .containsExactly(
            "createNetwork null ok",
            "createNetwork null FORBIDDEN",
            "publishNetworkConfiguration id:" + id + " FORBIDDEN",
            "publishNetworkConfiguration id:" + id + " ok");
  }
}
