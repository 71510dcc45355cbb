package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.protocol.DeviceState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A staged rollout on real components: a canary stage updates three devices, the next stage waits
 * for approval, the operator cancels with rollback, and exactly the canary devices go back to their
 * previous version (a signed, verified full image offered as a rollback) as a tracked stage.
 */
class StagedRollbackEndToEndTest {
  private static final int FLEET_SIZE = 10;

  @TempDir Path dataDir;

  @Test
  void canaryThenCancelWithRollbackRestoresExactlyTheCanaryDevices() throws Exception {
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of())) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      Demo demo = new Demo(System.out);
      List<SimulatedDeviceSpec> specs = Demo.fleetSpecs("stg", FLEET_SIZE);
      Demo.Prepared prepared = demo.prepareProduct(api, specs);
      try (FleetSimulator fleet =
          FleetSimulator.start(
              server.stack().endpoints().mqttUrl(),
              prepared.devices(),
              Demo.fleetOptions(server, prepared.productId()))) {
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
                                    Map.of("name", "canary", "count", 3),
                                    Map.of(
                                        "name", "rest", "percent", 100, "requireApproval", true)))))
                .path("createOTAJob")
                .path("job")
                .path("id")
                .asText();

        JsonNode waiting =
            JobWaits.awaitJob(api, jobId, job -> "WAITING_APPROVAL".equals(status(job)));
        assertThat(waiting.path("stages").get(0).path("status").asText()).isEqualTo("SUCCEEDED");
        List<DeviceSnapshot> updated =
            fleet.devices().stream()
                .filter(d -> d.currentVersion().equals(Demo.TO_VERSION))
                .toList();
        assertThat(updated).hasSize(3);

        api.execute(
            """
            mutation Cancel($id: ID!) {
              cancelOTAJob(input: {jobId: $id, rollback: true}) { job { id status } }
            }""",
            Map.of("id", jobId));
        JobWaits.awaitJob(api, jobId, job -> "ROLLED_BACK".equals(status(job)));

        for (DeviceSnapshot before : updated) {
          DeviceSnapshot after = fleet.device(before.deviceId());
          assertThat(after.currentVersion()).as(after.deviceId()).isEqualTo(Demo.FROM_VERSION);
          assertThat(after.installs()).as(after.deviceId()).isEqualTo(2);
        }
        assertThat(fleet.devices())
            .allSatisfy(d -> assertThat(d.currentVersion()).isEqualTo(Demo.FROM_VERSION));
        assertThat(fleet.devices().stream().mapToInt(DeviceSnapshot::installs).sum()).isEqualTo(6);

        // Everyone to the new version, then deliberately back to the old one: refused without
        // allowDowngrade before any device is offered, done with it, every device checking the
        // release key's grant for its own update before it installs the older build.
        String all =
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
                                    Map.of("name", "first", "count", 3),
                                    Map.of("name", "second", "count", 3),
                                    Map.of("name", "rest", "percent", 100)))))
                .path("createOTAJob")
                .path("job")
                .path("id")
                .asText();
        JobWaits.awaitJob(api, all, job -> "SUCCEEDED".equals(status(job)));
        assertThat(fleet.devices())
            .allSatisfy(d -> assertThat(d.currentVersion()).isEqualTo(Demo.TO_VERSION));

        // The ended three-stage rollout rolled back stage by stage, each a run and a stage of its
        // own: after each, exactly that stage's devices more are back on their earlier version.
        String rollback =
            """
            mutation Back($id: ID!, $stages: [String!]) {
              rollbackOTAJob(input: {jobId: $id, stages: $stages}) { job { id status } }
            }""";
        Map<String, Integer> backAfter = new java.util.LinkedHashMap<>();
        backAfter.put("rest", 4);
        backAfter.put("second", 7);
        backAfter.put("first", 10);
        for (var step : backAfter.entrySet()) {
          api.execute(rollback, Map.of("id", all, "stages", List.of(step.getKey())));
          JobWaits.awaitJob(api, all, job -> "ROLLED_BACK".equals(status(job)));
          assertThat(
                  fleet.devices().stream()
                      .filter(d -> d.currentVersion().equals(Demo.FROM_VERSION))
                      .count())
              .as("devices back after rolling back %s", step.getKey())
              .isEqualTo(step.getValue().longValue());
        }
        assertThatThrownBy(() -> api.execute(rollback, Map.of("id", all)))
            .hasMessageContaining("not back already");

        // A rollback staged in the request itself: two devices one at a time, then the rest.
        String again = create(api, prepared.productId(), Demo.TO_VERSION, false);
        JobWaits.awaitJob(api, again, job -> "SUCCEEDED".equals(status(job)));
        api.execute(
            """
            mutation Back($input: RollbackOTAJobInput!) {
              rollbackOTAJob(input: $input) { job { id } }
            }""",
            Map.of(
                "input",
                Map.of(
                    "jobId",
                    again,
                    "rollbackStages",
                    List.of(
                        Map.of("name", "two", "count", 2, "maxInFlight", 1),
                        Map.of("name", "others", "percent", 100)))));
        JsonNode rolledBack =
            JobWaits.awaitJob(api, again, job -> "ROLLED_BACK".equals(status(job)));
        assertThat(rolledBack.path("stages").findValuesAsText("status"))
            .containsExactly("SUCCEEDED", "SUCCEEDED", "SUCCEEDED");
        assertThat(fleet.devices())
            .allSatisfy(d -> assertThat(d.currentVersion()).isEqualTo(Demo.FROM_VERSION));
        String forward = create(api, prepared.productId(), Demo.TO_VERSION, false);
        JobWaits.awaitJob(api, forward, job -> "SUCCEEDED".equals(status(job)));
        assertThatThrownBy(() -> create(api, prepared.productId(), Demo.FROM_VERSION, false))
            .hasMessageContaining("allowDowngrade");
        String back = create(api, prepared.productId(), Demo.FROM_VERSION, true);
        JobWaits.awaitJob(api, back, job -> "SUCCEEDED".equals(status(job)));
        assertThat(fleet.devices())
            .allSatisfy(
                d -> {
                  assertThat(d.currentVersion()).isEqualTo(Demo.FROM_VERSION);
                  assertThat(d.state()).isEqualTo(DeviceState.SUCCEEDED);
                  assertThat(d.installs()).isGreaterThanOrEqualTo(2);
                });
      }
      DSLContext db = server.context().getBean(DSLContext.class);
      // Three canary devices by the cancel, ten by the stage-by-stage rollback of the ended one,
      // ten by the rollback staged in its request (two, then eight).
      assertThat(db.fetchCount(OTA_ROLLBACK_RESULTS, OTA_ROLLBACK_RESULTS.STATE.eq("SUCCEEDED")))
          .isEqualTo(23);
      assertThat(
              db.select(OTA_STAGES.NAME, OTA_STAGES.KIND, OTA_STAGES.ASSIGNED)
                  .from(OTA_STAGES)
                  .where(OTA_STAGES.KIND.eq("ROLLBACK"))
                  .and(OTA_STAGES.NAME.in("two", "others"))
                  .orderBy(OTA_STAGES.STAGE_INDEX)
                  .fetch(r -> r.value1() + ":" + r.value3()))
          .containsExactly("two:2", "others:8");
    }
  }

  private static String create(
      GraphqlClient api, String productId, String version, boolean allowDowngrade) {
    return api.execute(
            """
            mutation Create($input: CreateOTAJobInput!) {
              createOTAJob(input: $input) { job { id } }
            }""",
            Map.of(
                "input",
                Map.of(
                    "productId", productId,
                    "targetVersion", version,
                    "allowDowngrade", allowDowngrade)))
        .path("createOTAJob")
        .path("job")
        .path("id")
        .asText();
  }

  private static String status(JsonNode job) {
    return job.path("status").asText();
  }
}
