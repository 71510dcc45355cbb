package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CREDENTIALS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.identity.DeviceSecrets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Credentials reach a broker that keeps accounts of its own (Mosquitto's dynamic security, tested
 * against a real Mosquitto in the device-protocol module) inside the transaction that stores them:
 * the broker gets the very secret the caller is shown, and when it does not confirm, the caller
 * gets UNAVAILABLE and nothing is stored (no device, no replaced secret).
 */
class BrokerAccountsTest extends ApiIntegrationTest {
  @Autowired SharedTestBeans.FakeBroker broker;

  @AfterEach
  void brokerUp() {
    broker.down = false;
  }

  @Test
  void registeredAndRotatedSecretsAreTheBrokersToo() {
    String productId = createProduct();
    String device = unique("acct");
    String issued = register(productId, device);

    assertThat(broker.secrets).containsEntry(device, issued);
    assertThat(storedHash(device)).isEqualTo(DeviceSecrets.hash(issued));

    String rotated = rotate(device);

    assertThat(rotated).isNotEqualTo(issued);
    assertThat(broker.secrets).containsEntry(device, rotated);
    assertThat(storedHash(device)).isEqualTo(DeviceSecrets.hash(rotated));
  }

  @Test
  void aBrokerThatDoesNotConfirmLeavesNothingStored() {
    String productId = createProduct();
    String kept = unique("acct");
    String issued = register(productId, kept);
    broker.down = true;
    String refused = unique("acct");

    assertRefused(
        graphQl
            .documentName("RegisterDevices")
            .variable("productId", productId)
            .variable("devices", List.of(Map.of("id", refused, "name", "refused"))),
        "UNAVAILABLE");
    assertThat(dsl.fetchCount(DEVICES, DEVICES.ID.eq(refused))).isZero();
    assertThat(dsl.fetchCount(DEVICE_CREDENTIALS, DEVICE_CREDENTIALS.DEVICE_ID.eq(refused)))
        .isZero();

    assertRefused(rotateRequest(kept), "UNAVAILABLE");
    assertThat(storedHash(kept)).isEqualTo(DeviceSecrets.hash(issued));
    assertThat(broker.secrets).containsEntry(kept, issued);
  }

  private String register(String productId, String device) {
    return graphQl
        .document(
            """
            mutation R($productId: ID!, $id: ID!) {
              registerDevices(input: {productId: $productId, devices: [{id: $id, name: "acct"}]}) {
                credentials { deviceId mqttPassword }
              }
            }""")
        .variable("productId", productId)
        .variable("id", device)
        .execute()
        .path("registerDevices.credentials[0].mqttPassword")
        .entity(String.class)
        .get();
  }

  private String rotate(String device) {
    return rotateRequest(device)
        .execute()
        .path("rotateDeviceCredential.credential.mqttPassword")
        .entity(String.class)
        .get();
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> rotateRequest(
      String device) {
    return graphQl
        .document(
            """
            mutation Rotate($id: ID!) {
              rotateDeviceCredential(input: {deviceId: $id}) { credential { mqttPassword } }
            }""")
        .variable("id", device);
  }

  private String storedHash(String device) {
    return dsl.fetchValue(
        DEVICE_CREDENTIALS.SECRET_SHA256, DEVICE_CREDENTIALS.DEVICE_ID.eq(device));
  }
}
