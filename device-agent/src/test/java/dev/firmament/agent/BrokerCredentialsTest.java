package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.devstack.DeviceAccessExtension;
import dev.firmament.devstack.DeviceAccessExtension.Access;
import dev.firmament.devstack.EmbeddedMqttBroker;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.GatewayOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices and the gateway connect with MQTT credentials to a broker that enforces device identity
 * (the dev stack's access extension: username = client id, one secret per device).
 */
class BrokerCredentialsTest extends FleetTestSupport {

  @TempDir static Path brokerDir;
  private static EmbeddedMqttBroker broker;

  @BeforeAll
  static void startBroker() {
    broker =
        EmbeddedMqttBroker.start(
            brokerDir,
            0,
            DeviceAccessExtension.embedded(
                (clientId, username, password) -> {
                  String secret = new String(password, StandardCharsets.UTF_8);
                  if (username.equals("workers") && secret.equals("workers-secret")) {
                    return Access.SERVICE;
                  }
                  return username.equals(clientId) && secret.equals("secret-" + clientId)
                      ? Access.DEVICE
                      : Access.DENIED;
                }));
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Override
  String brokerUrl() {
    return broker.url();
  }

  @Override
  GatewayOptions gatewayOptions() {
    return super.gatewayOptions().withCredentials("workers", "workers-secret");
  }

  @Test
  void devicesWithTheirOwnCredentialsAreUpdated() throws Exception {
    List<SimulatedDeviceSpec> devices =
        SimulatedDeviceSpec.numbered("cred", 3, "1.0.0").stream()
            .map(d -> d.withCredentials(d.deviceId(), "secret-" + d.deviceId()))
            .toList();
    fleet = start(devices, FleetOptions.defaults());

    for (String id : fleet.deviceIds()) {
      gateway.offer(delivery(id, "u-" + id, "2.0.0", NEW_IMAGE, false));
    }

    Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(15));
    assertThat(outcomes.values())
        .allSatisfy(r -> assertThat(r.state()).isEqualTo(DeviceState.SUCCEEDED));
  }

  @Test
  void aDeviceWithAnotherDevicesSecretCannotConnect() {
    List<SimulatedDeviceSpec> devices =
        List.of(
            new SimulatedDeviceSpec("cred-x", "1.0.0").withCredentials("cred-x", "secret-cred-y"));

    assertThatThrownBy(() -> start(devices, FleetOptions.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only 0 of 1");
  }
}
