package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What an operator records of a device beside its identity (the pagination guide's {@code
 * hardwareId} and {@code created}, a serial number, notes): given at registration or changed with
 * {@code updateDevice}, checked before anything is written.
 */
class DeviceDetailsTest extends ApiIntegrationTest {
  private static final String READ =
      "query D($id: ID!) { device(id: $id) { name created hardwareId serialNumber notes } }";

  private static final String UPDATE =
      """
      mutation U($input: UpdateDeviceInput!) {
        updateDevice(input: $input) { device { id name hardwareId serialNumber notes } }
      }""";

  private String register(String productId, Map<String, Object> device) {
    graphQl
        .documentName("RegisterDevices")
        .variable("productId", productId)
        .variable("devices", List.of(device))
        .execute()
        .path("registerDevices.devices")
        .entityList(Object.class)
        .hasSize(1);
    return (String) device.get("id");
  }

  private Map<String, Object> read(String id) {
    return graphQl
        .document(READ)
        .variable("id", id)
        .execute()
        .path("device")
        .entity(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {})
        .get();
  }

  @Test
  void registrationRecordsTheHardwareIdAndSerialNumberAndTheTimeOfRegistration() {
    String productId = createProduct();
    String id =
        register(
            productId,
            Map.of(
                "id", unique("dd"),
                "name", "Pump 7",
                "hardwareId", " 00:1A:2B:3C:4D:5E ",
                "serialNumber", "SN-0042"));

    Map<String, Object> device = read(id);
    assertThat(device)
        .containsEntry("name", "Pump 7")
        .containsEntry("hardwareId", "00:1A:2B:3C:4D:5E")
        .containsEntry("serialNumber", "SN-0042")
        .containsEntry("notes", null);
    assertThat((String) device.get("created")).isNotBlank();
  }

  @Test
  void anUpdateChangesWhatItNamesClearsWhatIsEmptyAndKeepsTheRest() {
    String productId = createProduct();
    String id =
        register(
            productId,
            Map.of(
                "id",
                unique("dd"),
                "name",
                "Pump 8",
                "hardwareId",
                "hw-8",
                "serialNumber",
                "SN-8"));

    graphQl
        .document(UPDATE)
        .variable("input", Map.of("id", id, "notes", "replaced the seal", "hardwareId", ""))
        .execute()
        .path("updateDevice.device.notes")
        .entity(String.class)
        .isEqualTo("replaced the seal");

    assertThat(read(id))
        .containsEntry("name", "Pump 8")
        .containsEntry("hardwareId", null)
        .containsEntry("serialNumber", "SN-8")
        .containsEntry("notes", "replaced the seal");
  }

  @Test
  void badInputIsATypedErrorAndChangesNothing() {
    String productId = createProduct();
    String id = register(productId, Map.of("id", unique("dd"), "name", "Pump 9"));
    String auditor = tokenFor(TEST_ORGANIZATION, Role.AUDITOR);
    Map<String, Object> before = read(id);
    Map<String, Integer> rows = rowCounts();

    for (Map<String, Object> input :
        List.<Map<String, Object>>of(
            Map.of("id", id, "name", "  "),
            Map.of("id", id, "name", "x".repeat(201)),
            Map.of("id", id, "notes", "n".repeat(2001)),
            Map.of("id", id, "notes", "a\u0000b"),
            Map.of("id", id, "name", "bell\u0007"),
            Map.of("id", id, "hardwareId", "line\nbreak"),
            Map.of("id", id, "serialNumber", "s".repeat(65)),
            Map.of("id", "not a device id", "notes", "x"))) {
      assertRefused(graphQl.document(UPDATE).variable("input", input), "INVALID_ARGUMENT");
    }
    assertRefused(
        graphQl.document(UPDATE).variable("input", Map.of("id", unique("absent"), "notes", "x")),
        "NOT_FOUND");
    assertRefused(
        as(auditor).document(UPDATE).variable("input", Map.of("id", id, "notes", "x")),
        "FORBIDDEN");

    assertThat(read(id)).isEqualTo(before);
    assertThat(rowCounts()).isEqualTo(rows);
  }
}
