package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout with an expiry on the embedded stack with the reference agent: a device that is offline
 * when its turn comes waits without a slot while the others update, and is offered when it
 * connects. Two of the present devices have a single flash slot: they declare its layout, are sent
 * in-place patches built for it, lose power in the middle of rewriting it, and go on to the new
 * image after their reboot.
 */
class OfflineDevicesEndToEndTest {
  private static final int FLEET_SIZE = 6;

  @TempDir Path dataDir;

  @Test
  void aDeviceThatConnectsLateIsOfferedItsUpdateWhenItConnects() throws Exception {
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      Demo demo = new Demo(System.out);
      List<SimulatedDeviceSpec> specs = Demo.fleetSpecs("late", FLEET_SIZE);
      Demo.Prepared prepared = demo.prepareProduct(api, specs);
      List<SimulatedDeviceSpec> present = prepared.devices().subList(0, FLEET_SIZE - 1);
      SimulatedDeviceSpec late = prepared.devices().getLast();
      try (FleetSimulator fleet =
          FleetSimulator.start(
              server.stack().endpoints().mqttUrl(),
              present,
              Demo.fleetOptions(server, prepared.productId())
                  .withInPlace(new FleetOptions.InPlaceFleet(0.4, 4096, 64 * 1024, 1.0)))) {
        demo.awaitFleetReported(api, FLEET_SIZE - 1);
        demo.uploadIfMissing(api, prepared.productId(), Demo.FROM_VERSION, "armapp.old");
        demo.uploadIfMissing(api, prepared.productId(), Demo.TO_VERSION, "armapp.new");
        demo.awaitDeltas(api, prepared.productId());

        String jobId =
            api.execute(
                    """
                    mutation Create($input: CreateOTAJobInput!) {
                      createOTAJob(input: $input) { job { id } }
                    }""",
                    Map.of(
                        "input",
                        Map.of(
                            "productId",
                            prepared.productId(),
                            "targetVersion",
                            Demo.TO_VERSION,
                            "maxInFlight",
                            2,
                            "expiresAfterSeconds",
                            3600)))
                .path("createOTAJob")
                .path("job")
                .path("id")
                .asText();

        // The five present devices update two at a time; the absent one waits without a slot.
        JsonNode waiting =
            JobWaits.awaitJob(
                api,
                jobId,
                job ->
                    job.path("stages").size() == 2
                        && "RUNNING".equals(job.path("stages").get(1).path("status").asText()));
        assertThat(waiting.path("status").asText()).isEqualTo("RUNNING");
        assertThat(waiting.path("stages").get(0).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(waiting.path("stages").get(0).path("succeeded").asInt()).isEqualTo(5);
        assertThat(waiting.path("stages").get(1).path("name").asText())
            .isEqualTo("offline devices");
        JsonNode lateResult = result(api, jobId, late.deviceId());
        assertThat(lateResult.path("state").asText()).isEqualTo("QUEUED");
        assertThat(lateResult.path("errorMessage").asText())
            .isEqualTo("waiting for the device to connect");
        assertThat(fleet.devices())
            .allSatisfy(d -> assertThat(d.currentVersion()).isEqualTo(Demo.TO_VERSION));
        // Devices 3 and 5 of the five have one slot: an in-place patch each, one power loss each
        // in the middle of the rewrite, the new image verified and running after it.
        for (int i = 0; i < present.size(); i++) {
          String id = present.get(i).deviceId();
          boolean single = i == 2 || i == 4;
          DeviceSnapshot device = fleet.device(id);
          JsonNode r = result(api, jobId, id);
          assertThat(r.path("state").asText()).as(id).isEqualTo("SUCCEEDED");
          assertThat(r.path("artifactKind").asText())
              .as(id)
              .isEqualTo(single ? "DELTA_IN_PLACE" : "DELTA");
          assertThat(device.powerLosses()).as(id).isEqualTo(single ? 1 : 0);
          assertThat(device.verifiedHashes()).as(id).isEqualTo(1);
          assertThat(device.installs()).as(id).isEqualTo(1);
        }

        try (FleetSimulator latecomer =
            FleetSimulator.start(
                server.stack().endpoints().mqttUrl(),
                List.of(late),
                Demo.fleetOptions(server, prepared.productId()))) {
          JsonNode done =
              JobWaits.awaitJob(api, jobId, job -> "SUCCEEDED".equals(job.path("status").asText()));
          assertThat(done.path("stages").get(1).path("succeeded").asInt()).isEqualTo(1);
          assertThat(latecomer.device(late.deviceId()).currentVersion()).isEqualTo(Demo.TO_VERSION);
          assertThat(result(api, jobId, late.deviceId()).path("state").asText())
              .isEqualTo("SUCCEEDED");
        }
      }
    }
  }

  private static JsonNode result(GraphqlClient api, String jobId, String deviceId) {
    return api.execute(
            """
            query R($id: ID!, $device: ID!) {
              firmwareOTAJob(id: $id) {
                resultPage(filter: {deviceIds: [$device]}) {
                  items { state errorMessage artifactKind }
                }
              }
            }""",
            Map.of("id", jobId, "device", deviceId))
        .path("firmwareOTAJob")
        .path("resultPage")
        .path("items")
        .get(0);
  }
}
