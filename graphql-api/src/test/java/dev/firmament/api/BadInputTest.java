package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.artifact.ArtifactStore;
import dev.firmament.artifact.S3ArtifactStore;
import dev.firmament.manifest.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Every refused request answers a typed code and leaves rows and stored objects as they were. */
class BadInputTest extends ApiIntegrationTest {
  private static final String UNKNOWN = UUID.randomUUID().toString();

  @Autowired ArtifactStore artifacts;

  @Test
  void uploadFirmwareRefusesUnknownProductEmptyImageBadBase64AndDuplicateVersion() {
    String productId = createProduct();
    uploadFirmware(productId, "1.0.0", "first".getBytes(StandardCharsets.UTF_8));
    byte[] other = ("second " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    String otherKey = S3ArtifactStore.keyFor("full", Sha256.hex(other));
    Map<String, Integer> before = rowCounts();

    assertRefused(upload(UNKNOWN, "9.9.9", base64(other)), "NOT_FOUND");
    assertRefused(upload("not-a-uuid", "9.9.9", base64(other)), "NOT_FOUND");
    assertRefused(upload(productId, "2.0.0", ""), "INVALID_ARGUMENT");
    assertRefused(upload(productId, "2.0.0", "%%% not base64 %%%"), "INVALID_ARGUMENT");
    assertRefused(upload(productId, "bad version!", base64(other)), "INVALID_ARGUMENT");
    assertRefused(upload(productId, "1.0.0", base64(other)), "ALREADY_EXISTS");

    assertThat(rowCounts()).isEqualTo(before);
    assertThat(artifacts.stat(otherKey)).isEmpty();
  }

  @Test
  void registerDevicesRefusesUnknownProductBadIdsAndDuplicates() {
    String productId = createProduct();
    String taken = registerDevices(productId, unique("taken"), 1).getFirst();
    Map<String, Integer> before = rowCounts();

    assertRefused(register(UNKNOWN, List.of(device("fresh-1"))), "NOT_FOUND");
    assertRefused(register(productId, List.of(device("has space"))), "INVALID_ARGUMENT");
    assertRefused(register(productId, List.of(device("x".repeat(65)))), "INVALID_ARGUMENT");
    assertRefused(
        register(productId, List.of(device("twice"), device("twice"))), "INVALID_ARGUMENT");
    assertRefused(register(productId, List.of()), "INVALID_ARGUMENT");
    // One bad device refuses the whole call: nothing is half-registered.
    assertRefused(
        register(productId, List.of(device(unique("ok")), device(taken))), "ALREADY_EXISTS");

    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void createDeviceGroupRefusesForeignDevicesAndDuplicateNames() {
    String productId = createProduct();
    String foreign = registerDevices(createProduct(), unique("foreign"), 1).getFirst();
    group(productId, "canary", List.of()).execute().errors().verify();
    Map<String, Integer> before = rowCounts();

    assertRefused(group(UNKNOWN, "g", List.of()), "NOT_FOUND");
    assertRefused(group(productId, "other", List.of(foreign)), "NOT_FOUND");
    assertRefused(group(productId, "canary", List.of()), "ALREADY_EXISTS");
    assertRefused(group(productId, " ", List.of()), "INVALID_ARGUMENT");

    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void createOtaJobRefusesUnknownVersionsGroupsAndEmptyTargets() {
    String productId = createProduct();
    uploadFirmware(productId, "1.0.0", "image".getBytes(StandardCharsets.UTF_8));
    String emptyGroup =
        group(productId, "empty", List.of())
            .execute()
            .path("createDeviceGroup.deviceGroup.id")
            .entity(String.class)
            .get();
    Map<String, Integer> before = rowCounts();

    // A product without devices, then an empty group of a product with devices.
    assertRefused(job(productId, "1.0.0", null, null), "FAILED_PRECONDITION");
    registerDevices(productId, unique("job"), 2);
    before = rowCounts();
    assertRefused(job(productId, "1.0.0", emptyGroup, null), "FAILED_PRECONDITION");
    assertRefused(job(UNKNOWN, "1.0.0", null, null), "NOT_FOUND");
    assertRefused(job(productId, "7.7.7", null, null), "NOT_FOUND");
    assertRefused(job(productId, "1.0.0", UNKNOWN, null), "NOT_FOUND");
    assertRefused(job(productId, "1.0.0", null, 0), "INVALID_ARGUMENT");
    assertRefused(job(productId, "1.0.0", null, 1001), "INVALID_ARGUMENT");

    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void createProductRefusesDuplicateAndMalformedSlugs() {
    String slug = unique("dup");
    product("Dup", slug).execute().errors().verify();
    Map<String, Integer> before = rowCounts();

    assertRefused(product("Dup again", slug), "ALREADY_EXISTS");
    assertRefused(product("Upper", "Not_A_Slug"), "INVALID_ARGUMENT");
    assertRefused(product("", unique("empty-name")), "INVALID_ARGUMENT");

    assertThat(rowCounts()).isEqualTo(before);
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> upload(
      String productId, String version, String content) {
    return graphQl
        .documentName("UploadFirmware")
        .variable("productId", productId)
        .variable("version", version)
        .variable("content", content);
  }

  private static Map<String, Object> device(String id) {
    return Map.of("id", id, "name", "device " + id);
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> register(
      String productId, List<Map<String, Object>> devices) {
    return graphQl
        .documentName("RegisterDevices")
        .variable("productId", productId)
        .variable("devices", devices);
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> group(
      String productId, String name, List<String> deviceIds) {
    return graphQl
        .documentName("CreateDeviceGroup")
        .variable("productId", productId)
        .variable("name", name)
        .variable("deviceIds", deviceIds);
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> job(
      String productId, String version, String groupId, Integer maxInFlight) {
    return graphQl
        .documentName("CreateOTAJob")
        .variable("productId", productId)
        .variable("targetVersion", version)
        .variable("deviceGroupId", groupId)
        .variable("maxInFlight", maxInFlight);
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> product(
      String name, String slug) {
    return graphQl.documentName("CreateProduct").variable("name", name).variable("slug", slug);
  }
}
