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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real staged rollout paused by its health gate: the simulated firmware boots, reports success
 * and then crashes over and over (the reset-loop fault); the canary stage's devices report their
 * panics in their vitals, the workers turn them into diagnostics, and while the stage soaks the
 * gate finds the canaries unhealthy against the devices not yet updated and pauses the rollout
 * before the next stage, saying why.
 */
class HealthGateEndToEndTest {
  private static final int FLEET_SIZE = 8;

  @TempDir Path dataDir;

  @Test
  void canariesInAResetLoopPauseTheRolloutBeforeTheNextStage() throws Exception {
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      Demo demo = new Demo(System.out);
      List<SimulatedDeviceSpec> specs = Demo.fleetSpecs("hg", FLEET_SIZE);
      Demo.Prepared prepared = demo.prepareProduct(api, specs);
      try (FleetSimulator fleet =
          FleetSimulator.start(
              server.stack().endpoints().mqttUrl(),
              prepared.devices(),
              Demo.fleetOptions(server, prepared.productId())
                  .withResetLoop(new FleetOptions.ResetLoop(1.0, Duration.ofSeconds(2))))) {
        demo.awaitFleetReported(api, FLEET_SIZE);
        demo.uploadIfMissing(api, prepared.productId(), Demo.FROM_VERSION, "armapp.old");
        demo.uploadIfMissing(api, prepared.productId(), Demo.TO_VERSION, "armapp.new");
        demo.awaitDeltas(api, prepared.productId());

        String jobId =
            api.execute(
                    """
                    mutation Staged($input: CreateOTAJobInput!) {
                      createOTAJob(input: $input) { job { id } }
                    }""",
                    Map.of(
                        "input",
                        Map.of(
                            "productId", prepared.productId(),
                            "targetVersion", Demo.TO_VERSION,
                            "stages",
                                List.of(
                                    Map.of(
                                        "name",
                                        "canary",
                                        "count",
                                        2,
                                        "soakSeconds",
                                        120,
                                        "gate",
                                        Map.of(
                                            "maxFailureRate",
                                            1.0,
                                            "onBreach",
                                            "PAUSE",
                                            "health",
                                            Map.of(
                                                "resetThreshold", 2,
                                                "maxExcess", 0.1,
                                                "minimumUpdated", 2,
                                                "checkEverySeconds", 2))),
                                    Map.of("name", "rest", "percent", 100)))))
                .path("createOTAJob")
                .path("job")
                .path("id")
                .asText();

        JsonNode paused =
            JobWaits.awaitJob(api, jobId, job -> "PAUSED".equals(job.path("status").asText()));
        assertThat(paused.path("stages").get(0).path("status").asText()).isEqualTo("PAUSED");
        assertThat(paused.path("stages").get(1).path("status").asText()).isNotEqualTo("RUNNING");
        assertThat(paused.path("pauseReason").asText())
            .startsWith("paused: health gate breached in stage canary: 2 of 2 updated devices")
            .contains("against 0 of 6 not yet updated");
        // Only the canaries got the new version; the rest were never offered it.
        List<String> updated =
            fleet.devices().stream()
                .filter(d -> d.currentVersion().equals(Demo.TO_VERSION))
                .map(DeviceSnapshot::deviceId)
                .toList();
        assertThat(updated).hasSize(2);
        assertThat(fleet.devices().stream().mapToInt(DeviceSnapshot::installs).sum()).isEqualTo(2);

        // What the canary reported, as an operator reads it.
        JsonNode canary =
            api.execute(
                    """
                    query D($id: ID!) { device(id: $id) {
                      vitalsHistory(size: 50) { items { resetReason firmwareVersion } }
                      diagnostics(size: 50) { items { kind severity detail } }
                      logs(minLevel: ERROR) { items { message } } } }""",
                    Map.of("id", updated.getFirst()))
                .path("device");
        assertThat(canary.path("vitalsHistory").path("items").findValuesAsText("resetReason"))
            .contains("PANIC", "UPDATE", "POWER_ON");
        assertThat(canary.path("diagnostics").path("items").findValuesAsText("detail"))
            .contains("reset: panic");
        assertThat(canary.path("logs").path("items").findValuesAsText("message"))
            .contains("hard fault in version " + Demo.TO_VERSION + ", restarting");

        api.execute(
            """
            mutation Cancel($id: ID!) {
              cancelOTAJob(input: {jobId: $id, rollback: false}) { job { id } }
            }""",
            Map.of("id", jobId));
        JobWaits.awaitJob(api, jobId, job -> "CANCELED".equals(job.path("status").asText()));
      }
    }
  }
}
