package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The fleet's structure: tags on devices, typed filters, group membership by list and by filter,
 * and devices moving between products. Bad input is refused with a typed error and changes nothing.
 */
class FleetMembershipTest extends ApiIntegrationTest {

  @Test
  void tagsAreReplacedCheckedAndFilterTheDeviceList() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("tag"), 4);
    tag(ids.get(0), List.of("canary", "eu"));
    tag(ids.get(1), List.of("eu"));
    tag(ids.get(2), List.of("canary", "eu", "canary"));

    assertThat(filtered(Map.of("productId", productId, "tags", List.of("canary", "eu"))))
        .containsExactly(ids.get(0), ids.get(2));
    assertThat(filtered(Map.of("productId", productId, "tags", List.of("eu"))))
        .containsExactly(ids.get(0), ids.get(1), ids.get(2));
    assertThat(filtered(Map.of("productId", productId))).hasSize(4);
    assertThat(filtered(Map.of("productId", productId, "namePrefix", "DEVICE 3", "online", false)))
        .containsExactly(ids.get(3));
    assertThat(filtered(Map.of("productId", productId, "firmwareVersions", List.of("9.9.9"))))
        .isEmpty();
    graphQl
        .documentName("FilteredDevices")
        .variable("filter", Map.of("productId", productId, "tags", List.of("canary")))
        .variable("size", 1)
        .execute()
        .path("login.devices.total")
        .entity(Integer.class)
        .isEqualTo(2)
        .path("login.devices.hasMore")
        .entity(Boolean.class)
        .isEqualTo(true)
        .path("login.devices.items[0].tags")
        .entityList(String.class)
        .containsExactly("canary", "eu");

    // An empty list clears; a bad tag is refused and the tags stay as they were.
    tag(ids.get(1), List.of());
    assertRefused(
        graphQl
            .documentName("TagDevice")
            .variable("id", ids.get(0))
            .variable("tags", List.of("a b")),
        "INVALID_ARGUMENT");
    List<String> tooMany = java.util.stream.IntStream.range(0, 21).mapToObj(i -> "t" + i).toList();
    assertRefused(
        graphQl.documentName("TagDevice").variable("id", ids.get(0)).variable("tags", tooMany),
        "INVALID_ARGUMENT");
    assertThat(filtered(Map.of("productId", productId, "tags", List.of("eu"))))
        .containsExactly(ids.get(0), ids.get(2));
  }

  @Test
  void aMalformedOrForeignFilterIsRefused() {
    String productId = createProduct();
    registerDevices(productId, unique("bad"), 1);
    assertRefused(filter(Map.of("groupId", UUID.randomUUID().toString())), "NOT_FOUND");
    assertRefused(filter(Map.of("productId", "not-an-id")), "NOT_FOUND");
    assertRefused(filter(Map.of("namePrefix", "")), "INVALID_ARGUMENT");
    assertRefused(filter(Map.of("firmwareVersions", List.of())), "INVALID_ARGUMENT");
    assertRefused(filter(Map.of("tags", List.of("ok", "not ok"))), "INVALID_ARGUMENT");
    // A field the filter does not have is refused by the schema before anything runs.
    graphQl
        .documentName("FilteredDevices")
        .variable("filter", Map.of("colour", "blue"))
        .execute()
        .errors()
        .satisfy(errors -> assertThat(errors).isNotEmpty());
  }

  @Test
  void groupsGainAndLoseMembersByListAndByFilterOfTheirOwnProductOnly() {
    String productId = createProduct();
    String otherProduct = createProduct();
    List<String> ids = registerDevices(productId, unique("member"), 5);
    List<String> foreign = registerDevices(otherProduct, unique("foreign"), 1);
    tag(ids.get(3), List.of("beta"));
    tag(ids.get(4), List.of("beta"));
    tag(foreign.get(0), List.of("beta"));
    String group = createGroup(productId, unique("group"), List.of());

    assertThat(add(group, ids.subList(0, 2), null)).isEqualTo(2);
    assertThat(add(group, ids.subList(0, 2), null)).as("already members").isZero();
    // By filter: the tagged devices of the group's product, never the other product's.
    assertThat(add(group, null, Map.of("tags", List.of("beta")))).isEqualTo(2);
    assertThat(members(group))
        .containsExactlyInAnyOrder(ids.get(0), ids.get(1), ids.get(3), ids.get(4));
    graphQl
        .documentName("FilteredDevices")
        .variable("filter", Map.of("groupId", group))
        .execute()
        .path("login.devices.items[*].id")
        .entityList(String.class)
        .containsExactly(ids.get(0), ids.get(1), ids.get(3), ids.get(4))
        .path("login.devices.items[0].groups[0].name")
        .hasValue();

    // Refused as a whole, nothing written.
    int before = members(group).size();
    assertRefused(
        graphQl
            .documentName("GroupMembership")
            .variable("groupId", group)
            .variable("deviceIds", List.of(ids.get(2), foreign.get(0))),
        "NOT_FOUND");
    assertRefused(
        graphQl
            .documentName("GroupMembership")
            .variable("groupId", group)
            .variable("deviceIds", List.of(ids.get(2)))
            .variable("filter", Map.of("tags", List.of("beta"))),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl.documentName("GroupMembership").variable("groupId", group), "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .documentName("GroupMembership")
            .variable("groupId", group)
            .variable("filter", Map.of("productId", otherProduct)),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .documentName("GroupMembership")
            .variable("groupId", UUID.randomUUID().toString())
            .variable("deviceIds", List.of(ids.get(2))),
        "NOT_FOUND");
    assertThat(members(group)).hasSize(before);

    // Leaving by filter takes only members the filter keeps.
    graphQl
        .documentName("RemoveFromGroup")
        .variable("groupId", group)
        .variable("filter", Map.of("tags", List.of("beta")))
        .execute()
        .path("removeDevicesFromGroup.changed")
        .entity(Integer.class)
        .isEqualTo(2);
    assertThat(members(group)).containsExactlyInAnyOrder(ids.get(0), ids.get(1));
    assertThat(
            dsl.fetchCount(DEVICE_GROUP_MEMBERS, DEVICE_GROUP_MEMBERS.DEVICE_ID.eq(foreign.get(0))))
        .isZero();
  }

  @Test
  void devicesMoveToAnotherProductUnlessARolloutStillTargetsThem() {
    String productId = createProduct();
    String target = createProduct();
    List<String> ids = registerDevices(productId, unique("move"), 3);
    String group = createGroup(productId, unique("group"), ids);

    graphQl
        .documentName("MoveDevices")
        .variable("deviceIds", List.of(ids.get(0)))
        .variable("productId", target)
        .execute()
        .path("moveDevices.devices[0].product.id")
        .entity(String.class)
        .isEqualTo(target)
        .path("moveDevices.devices[0].groups")
        .entityList(Object.class)
        .hasSize(0);
    assertThat(members(group)).containsExactlyInAnyOrder(ids.get(1), ids.get(2));

    assertRefused(
        graphQl
            .documentName("MoveDevices")
            .variable("deviceIds", List.of(ids.get(1)))
            .variable("productId", UUID.randomUUID().toString()),
        "NOT_FOUND");
    assertRefused(
        graphQl
            .documentName("MoveDevices")
            .variable("deviceIds", List.of(ids.get(1), "no-such-device"))
            .variable("productId", target),
        "NOT_FOUND");

    // An open rollout of the product targets the remaining devices: they stay where they are.
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    besideOpenRollouts(
        productId,
        () ->
            graphQl
                .documentName("CreateOTAJob")
                .variable("productId", productId)
                .variable("targetVersion", "2.0.0")
                .execute()
                .path("createOTAJob.job.id")
                .entity(String.class)
                .get());
    assertRefused(
        graphQl
            .documentName("MoveDevices")
            .variable("deviceIds", List.of(ids.get(1)))
            .variable("productId", target),
        "CONFLICT");
    assertThat(
            dsl.select(DEVICES.PRODUCT_ID)
                .from(DEVICES)
                .where(DEVICES.ID.eq(ids.get(1)))
                .fetchSingle(DEVICES.PRODUCT_ID)
                .toString())
        .isEqualTo(productId);
    assertThat(members(group)).containsExactlyInAnyOrder(ids.get(1), ids.get(2));
  }

  private void tag(String deviceId, List<String> tags) {
    List<String> stored =
        graphQl
            .documentName("TagDevice")
            .variable("id", deviceId)
            .variable("tags", tags)
            .execute()
            .path("updateDevice.device.tags")
            .entityList(String.class)
            .get();
    assertThat(stored).containsExactlyElementsOf(new java.util.LinkedHashSet<>(tags));
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> filter(
      Map<String, Object> filter) {
    return graphQl.documentName("FilteredDevices").variable("filter", filter);
  }

  private List<String> filtered(Map<String, Object> filter) {
    return filter(filter)
        .variable("size", 1000)
        .execute()
        .path("login.devices.items[*].id")
        .entityList(String.class)
        .get();
  }

  private int add(String group, List<String> deviceIds, Map<String, Object> filter) {
    var request = graphQl.documentName("GroupMembership").variable("groupId", group);
    if (deviceIds != null) {
      request = request.variable("deviceIds", deviceIds);
    }
    if (filter != null) {
      request = request.variable("filter", filter);
    }
    return request.execute().path("addDevicesToGroup.changed").entity(Integer.class).get();
  }

  private List<String> members(String group) {
    return dsl.select(DEVICE_GROUP_MEMBERS.DEVICE_ID)
        .from(DEVICE_GROUP_MEMBERS)
        .where(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(UUID.fromString(group)))
        .fetch(DEVICE_GROUP_MEMBERS.DEVICE_ID);
  }
}
