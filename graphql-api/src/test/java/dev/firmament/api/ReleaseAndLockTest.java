package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Released firmware per product and group, devices locked to a version, and what each device is
 * meant to run as a result; a locked device is not among the targets of a rollout of another
 * version. Refusals are typed and change nothing.
 */
class ReleaseAndLockTest extends ApiIntegrationTest {

  @Test
  void aDeviceTargetsItsLockThenItsGroupsReleaseThenItsProducts() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("rel"), 3);
    String group = createGroup(productId, unique("canaries"), List.of(ids.get(1), ids.get(2)));
    String two = uploadFirmware(productId, "2.0.0", image("two"));
    String three = uploadFirmware(productId, "3.0.0", image("three"));

    assertThat(targets(productId)).containsEntry(ids.get(0), null);
    release(two, null);
    release(three, group)
        .path("releaseFirmware.deviceGroup.releasedFirmware.version")
        .entity(String.class)
        .isEqualTo("3.0.0");
    lock(ids.get(2), "2.0.0")
        .path("lockDeviceFirmware.device.firmwareLock")
        .entity(String.class)
        .isEqualTo("2.0.0");

    assertThat(targets(productId))
        .containsEntry(ids.get(0), "2.0.0")
        .containsEntry(ids.get(1), "3.0.0")
        .containsEntry(ids.get(2), "2.0.0");
    graphQl
        .documentName("FleetTargets")
        .variable("productId", productId)
        .execute()
        .path("product.releasedFirmware.version")
        .entity(String.class)
        .isEqualTo("2.0.0");

    // A new release replaces the product's; unlocking hands the device back to its group's.
    release(three, null);
    lock(ids.get(2), null);
    assertThat(targets(productId))
        .containsEntry(ids.get(0), "3.0.0")
        .containsEntry(ids.get(2), "3.0.0");
    graphQl
        .document(
            "mutation($p: ID!, $g: ID) { withdrawFirmwareRelease(input: {productId: $p,"
                + " deviceGroupId: $g}) { product { id } } }")
        .variable("p", productId)
        .variable("g", group)
        .execute()
        .path("withdrawFirmwareRelease.product.id")
        .entity(String.class)
        .isEqualTo(productId);
    assertRefused(
        graphQl
            .document(
                "mutation($p: ID!, $g: ID) { withdrawFirmwareRelease(input: {productId: $p,"
                    + " deviceGroupId: $g}) { product { id } } }")
            .variable("p", productId)
            .variable("g", group),
        "NOT_FOUND");
  }

  @Test
  void aLockedDeviceIsNotATargetOfARolloutOfAnotherVersionAndCannotBeLockedWhileTargeted() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("locked"), 3);
    uploadFirmware(productId, "1.5.0", image("one-five"));
    uploadFirmware(productId, "2.0.0", image("two"));
    lock(ids.get(0), "1.5.0");

    int total =
        Integer.parseInt(
            besideOpenRollouts(
                productId,
                () ->
                    createJob(productId, "2.0.0")
                        .path("createOTAJob.job.totalDevices")
                        .entity(Integer.class)
                        .get()
                        .toString()));
    assertThat(total).isEqualTo(2);

    // The rollout now targets the others: locking one of them is refused, nothing changes.
    assertRefused(
        graphQl
            .documentName("LockDeviceFirmware")
            .variable("deviceId", ids.get(1))
            .variable("version", "1.5.0"),
        "CONFLICT");
    assertThat(targets(productId)).containsEntry(ids.get(1), null);
  }

  @Test
  void badReleasesAndLocksAreRefused() {
    String productId = createProduct();
    String otherProduct = createProduct();
    List<String> ids = registerDevices(productId, unique("refused"), 1);
    String otherGroup = createGroup(otherProduct, unique("g"), List.of());
    String two = uploadFirmware(productId, "2.0.0", image("two"));
    String bad = uploadFirmware(productId, "2.0.1", image("bad"));
    graphQl
        .document(
            "mutation($f: ID!) { invalidateFirmware(input: {firmwareId: $f, reason: \"bricks\"})"
                + " { firmware { id } } }")
        .variable("f", bad)
        .execute();

    assertRefused(
        graphQl
            .documentName("ReleaseFirmware")
            .variable("firmwareId", UUID.randomUUID().toString()),
        "NOT_FOUND");
    assertRefused(
        graphQl.documentName("ReleaseFirmware").variable("firmwareId", bad), "FAILED_PRECONDITION");
    assertRefused(
        graphQl
            .documentName("ReleaseFirmware")
            .variable("firmwareId", two)
            .variable("deviceGroupId", otherGroup),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .documentName("LockDeviceFirmware")
            .variable("deviceId", ids.get(0))
            .variable("version", "9.9.9"),
        "NOT_FOUND");
    assertRefused(
        graphQl
            .documentName("LockDeviceFirmware")
            .variable("deviceId", ids.get(0))
            .variable("version", "2.0.1"),
        "FAILED_PRECONDITION");
    assertRefused(
        graphQl
            .documentName("LockDeviceFirmware")
            .variable("deviceId", "no-such-device")
            .variable("version", "2.0.0"),
        "NOT_FOUND");
    graphQl
        .documentName("FleetTargets")
        .variable("productId", productId)
        .execute()
        .path("product.releasedFirmware")
        .valueIsNull()
        .path("product.devices[0].firmwareLock")
        .valueIsNull();
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Response release(
      String firmwareId, String groupId) {
    return graphQl
        .documentName("ReleaseFirmware")
        .variable("firmwareId", firmwareId)
        .variable("deviceGroupId", groupId)
        .execute();
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Response lock(
      String deviceId, String version) {
    return graphQl
        .documentName("LockDeviceFirmware")
        .variable("deviceId", deviceId)
        .variable("version", version)
        .execute();
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Response createJob(
      String productId, String version) {
    return graphQl
        .documentName("CreateOTAJob")
        .variable("productId", productId)
        .variable("targetVersion", version)
        .execute();
  }

  private Map<String, String> targets(String productId) {
    List<Map<String, Object>> devices =
        graphQl
            .documentName("FleetTargets")
            .variable("productId", productId)
            .execute()
            .path("product.devices")
            .entityList(
                new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {})
            .get();
    Map<String, String> result = new HashMap<>();
    devices.forEach(d -> result.put((String) d.get("id"), (String) d.get("targetFirmwareVersion")));
    return result;
  }

  private static byte[] image(String seed) {
    return unique(seed).getBytes(StandardCharsets.UTF_8);
  }
}
