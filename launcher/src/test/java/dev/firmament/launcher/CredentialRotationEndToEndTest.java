package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotating a device's credential on the embedded stack with the reference agent: the device's live
 * session ends at once, its old secret no longer lets it in, and the new one does.
 */
class CredentialRotationEndToEndTest {
  @TempDir Path dataDir;

  @Test
  void aRotatedCredentialEndsTheLiveSessionAndOnlyTheNewSecretConnects() throws Exception {
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      Demo demo = new Demo(System.out);
      Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("rotate", 1));
      SimulatedDeviceSpec device = prepared.devices().getFirst();
      String newSecret;
      try (FleetSimulator fleet =
          FleetSimulator.start(
              server.stack().endpoints().mqttUrl(),
              List.of(device),
              Demo.fleetOptions(server, prepared.productId()))) {
        demo.awaitFleetReported(api, 1);
        assertThat(online(api, device.deviceId())).isTrue();

        newSecret =
            api.execute(
                    """
                    mutation Rotate($id: ID!) {
                      rotateDeviceCredential(input: {deviceId: $id}) {
                        credential { mqttPassword }
                      }
                    }""",
                    Map.of("id", device.deviceId()))
                .path("rotateDeviceCredential")
                .path("credential")
                .path("mqttPassword")
                .asText();

        // The broker ended the session (its will says offline), and the agent, which keeps
        // trying with the old secret, stays out.
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> !online(api, device.deviceId()));
        Thread.sleep(3_000);
        assertThat(online(api, device.deviceId())).isFalse();
        assertThat(fleet.device(device.deviceId()).connected()).isFalse();
      }

      try (FleetSimulator renewed =
          FleetSimulator.start(
              server.stack().endpoints().mqttUrl(),
              List.of(device.withCredentials(device.deviceId(), newSecret)),
              Demo.fleetOptions(server, prepared.productId()))) {
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> online(api, device.deviceId()));
        assertThat(renewed.device(device.deviceId()).connected()).isTrue();
      }
    }
  }

  private static boolean online(GraphqlClient api, String deviceId) {
    return api.execute("query D($id: ID!) { device(id: $id) { online } }", Map.of("id", deviceId))
        .path("device")
        .path("online")
        .asBoolean();
  }
}
