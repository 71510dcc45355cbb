package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts with a data policy on the embedded stack with the reference agent: every device has an
 * active SIM, one with a cap smaller than the update. With SKIP that device's result ends SKIPPED;
 * with DEFER it waits QUEUED with error code DATA_CAP and says why, while the others update, until
 * an operator's override sends it its update. Then a device from the stockroom joins on a version
 * with no patch straight to the next release: it is sent a chain of two patches, which fits its cap
 * where the full image would not.
 */
class DataAwareRolloutEndToEndTest {
  private static final int FLEET_SIZE = 4;

  /**
   * The size of the published 1.0.0 to 1.1.0 delta of the sample images that the simulated devices
   * are sent: LZMA-coded with an ABS32 table, as the default codec setting (SMALLEST) builds it
   * there and as the agents decode (3,831 bytes with zstd and no table, its companion for devices
   * without LZMA or ABS32).
   */
  private static final long DELTA_BYTES = 3_638;

  /** Smaller than the delta: the update would pass the cap. */
  private static final long SMALL_CAP = 1_000;

  /** The release after {@link Demo#TO_VERSION}: its image with a few bytes changed. */
  private static final String NEXT_VERSION = "1.2.0";

  /** More than a chain of the two patches, less than the full image of {@link #NEXT_VERSION}. */
  private static final long CHAIN_CAP = 20_000;

  @TempDir Path dataDir;

  @Test
  void aDeviceWhoseSimWouldPassItsCapIsSkippedOrWaitsUntilAnOperatorOverridesIt() throws Exception {
    // Deltas to a new build are made from the one most recent other build and from the versions
    // devices run, so 1.2.0 gets a patch from 1.1.0 only. No direct patch is built on demand for a
    // device on another version (ArtifactPlannerTest covers that), so the late device on 1.0.0
    // takes the chain of published patches.
    try (DevServer server =
        DevServer.start(
            DevStackOptions.onFreePorts(dataDir),
            0,
            Map.of(
                "firmament.delta.recent-versions", "1",
                "firmament.delivery.build-on-demand", "false"))) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      Demo demo = new Demo(System.out);
      List<SimulatedDeviceSpec> specs = Demo.fleetSpecs("capped", FLEET_SIZE);
      Demo.Prepared prepared = demo.prepareProduct(api, specs);
      SimulatedDeviceSpec capped = prepared.devices().getLast();
      for (int i = 0; i < FLEET_SIZE; i++) {
        String deviceId = prepared.devices().get(i).deviceId();
        activeSim(api, i, deviceId, deviceId.equals(capped.deviceId()) ? SMALL_CAP : 10_000_000L);
      }
      try (FleetSimulator fleet =
          FleetSimulator.start(
              server.stack().endpoints().mqttUrl(),
              prepared.devices(),
              Demo.fleetOptions(server, prepared.productId()))) {
        demo.awaitFleetReported(api, FLEET_SIZE);
        demo.uploadIfMissing(api, prepared.productId(), Demo.FROM_VERSION, "armapp.old");
        demo.uploadIfMissing(api, prepared.productId(), Demo.TO_VERSION, "armapp.new");
        demo.awaitDeltas(api, prepared.productId());

        // SKIP: the capped device is not updated; its result ends SKIPPED and says why, and is
        // no success; the others update.
        Map<String, Object> input = new HashMap<>();
        input.put("productId", prepared.productId());
        input.put("targetVersion", Demo.TO_VERSION);
        input.put("maxInFlight", 2);
        input.put("dataPolicy", "SKIP");
        String skipping = JobWaits.create(api, input);
        JsonNode skipped =
            JobWaits.awaitJob(
                api, skipping, job -> "SUCCEEDED".equals(job.path("status").asText()));
        assertThat(skipped.path("stages").get(0).path("succeeded").asInt())
            .isEqualTo(FLEET_SIZE - 1);
        assertThat(skipped.path("stages").get(0).path("skipped").asInt()).isEqualTo(1);
        JsonNode notUpdated = result(api, skipping, capped.deviceId());
        assertThat(notUpdated.path("state").asText()).isEqualTo("SKIPPED");
        assertThat(notUpdated.path("errorCode").asText()).isEqualTo("DATA_CAP");
        assertThat(notUpdated.path("success").asBoolean()).isFalse();
        assertThat(notUpdated.path("errorMessage").asText())
            .startsWith("skipped: its SIM has used ")
            .contains("of its " + SMALL_CAP + " bytes this month");
        assertThat(fleet.device(capped.deviceId()).currentVersion()).isEqualTo(Demo.FROM_VERSION);
        long[] skipCellular = cellular(api, skipping);
        assertThat(skipCellular[1]).isEqualTo((FLEET_SIZE - 1) * DELTA_BYTES);
        assertThat(skipCellular[2]).isEqualTo(bytesSent(api, skipping));

        // DEFER: the same device waits. Deferred devices wait as offline ones do, which needs an
        // expiry. The three updated devices already run the target and are skipped.
        input.put("dataPolicy", "DEFER");
        assertThatThrownBy(() -> JobWaits.create(api, input))
            .isInstanceOfSatisfying(
                GraphqlClient.GraphqlException.class,
                e -> {
                  assertThat(e.code()).isEqualTo("INVALID_ARGUMENT");
                  assertThat(e.getMessage()).contains("expiresAfterSeconds");
                });
        input.put("expiresAfterSeconds", 3600);
        String jobId = JobWaits.create(api, input);

        JsonNode waiting =
            JobWaits.awaitJob(
                api,
                jobId,
                job ->
                    job.path("stages").size() == 2
                        && "RUNNING".equals(job.path("stages").get(1).path("status").asText()));
        assertThat(waiting.path("stages").get(0).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(waiting.path("stages").get(0).path("skipped").asInt()).isEqualTo(FLEET_SIZE - 1);
        JsonNode deferred = result(api, jobId, capped.deviceId());
        assertThat(deferred.path("state").asText()).isEqualTo("QUEUED");
        assertThat(deferred.path("errorCode").asText()).isEqualTo("DATA_CAP");
        assertThat(deferred.path("errorMessage").asText())
            .startsWith("deferred: its SIM has used ")
            .contains("of its " + SMALL_CAP + " bytes this month and the update is ")
            .contains("an operator's override");
        assertThat(fleet.device(capped.deviceId()).currentVersion()).isEqualTo(Demo.FROM_VERSION);
        assertThat(
                api.execute(
                        "query($id: ID!) { firmwareOTAJob(id: $id) { dataPolicy } }",
                        Map.of("id", jobId))
                    .path("firmwareOTAJob")
                    .path("dataPolicy")
                    .asText())
            .isEqualTo("DEFER");

        // Cellular bytes: every device has an active SIM; only the deferred one is planned the
        // delta (the others already run the target), and nothing was sent yet.
        long[] cellular = cellular(api, jobId);
        assertThat(cellular[0]).isEqualTo(FLEET_SIZE);
        assertThat(cellular[1]).isEqualTo(DELTA_BYTES);
        assertThat(cellular[2]).isZero();
        assertThat(cellular[3]).isEqualTo(1);

        JsonNode overridden =
            api.execute(
                    """
                    mutation O($input: OverrideOTADataCapInput!) {
                      overrideOTADataCap(input: $input) { released job { id } }
                    }""",
                    Map.of(
                        "input",
                        Map.of(
                            "jobId",
                            jobId,
                            "deviceIds",
                            List.of(capped.deviceId(), prepared.devices().getFirst().deviceId()))))
                .path("overrideOTADataCap");
        // Only the deferred device is released; the one that updated is left as it is.
        assertThat(overridden.path("released").asInt()).isEqualTo(1);

        JsonNode done =
            JobWaits.awaitJob(api, jobId, job -> "SUCCEEDED".equals(job.path("status").asText()));
        assertThat(done.path("stages").get(1).path("succeeded").asInt()).isEqualTo(1);
        assertThat(fleet.device(capped.deviceId()).currentVersion()).isEqualTo(Demo.TO_VERSION);
        assertThat(result(api, jobId, capped.deviceId()).path("state").asText())
            .isEqualTo("SUCCEEDED");
        long[] after = cellular(api, jobId);
        assertThat(after[1]).isEqualTo(DELTA_BYTES);
        assertThat(after[2]).isEqualTo(bytesSent(api, jobId)).isGreaterThanOrEqualTo(DELTA_BYTES);
        assertThat(after[3]).isZero();

        aLateDeviceIsSentAChainOfPatchesThatFitsItsCap(server, api, demo, prepared);
      }
    }
  }

  /**
   * 1.2.0 is built while every device runs 1.1.0: its only patch is from 1.1.0. A device that then
   * joins on 1.0.0 has no patch to 1.2.0, but 1.0.0 to 1.1.0 and 1.1.0 to 1.2.0 together are far
   * smaller than the image, and its SIM's cap lies between the two: it is sent the chain (SKIP
   * would have skipped it for the full image) and installs 1.2.0 through 1.1.0.
   */
  private void aLateDeviceIsSentAChainOfPatchesThatFitsItsCap(
      DevServer server, GraphqlClient api, Demo demo, Demo.Prepared prepared) throws Exception {
    byte[] next = Demo.readSample("armapp.new");
    for (int i = 0; i < 64; i++) {
      next[next.length / 2 + i] ^= 0x5a;
    }
    demo.uploadIfMissing(api, prepared.productId(), NEXT_VERSION, "armapp.next", next);
    demo.awaitDeltas(api, prepared.productId(), NEXT_VERSION);
    SimulatedDeviceSpec stock =
        demo.prepareProduct(api, Demo.fleetSpecs("stock", 1)).devices().getFirst();
    SimulatedDeviceSpec capped = prepared.devices().getLast();
    activeSim(api, FLEET_SIZE, stock.deviceId(), CHAIN_CAP);
    try (FleetSimulator late =
        FleetSimulator.start(
            server.stack().endpoints().mqttUrl(),
            List.of(stock),
            Demo.fleetOptions(server, prepared.productId()))) {
      demo.awaitFleetReported(api, 1);
      Map<String, Object> input = new HashMap<>();
      input.put("productId", prepared.productId());
      input.put("targetVersion", NEXT_VERSION);
      input.put("maxInFlight", 5);
      input.put("dataPolicy", "SKIP");
      String jobId = JobWaits.create(api, input);

      JsonNode done =
          JobWaits.awaitJob(api, jobId, job -> "SUCCEEDED".equals(job.path("status").asText()));
      // The capped device, whose month already holds the first delta, is skipped this time.
      assertThat(done.path("stages").get(0).path("succeeded").asInt()).isEqualTo(FLEET_SIZE);
      assertThat(done.path("stages").get(0).path("skipped").asInt()).isEqualTo(1);
      assertThat(late.device(stock.deviceId()).currentVersion()).isEqualTo(NEXT_VERSION);
      JsonNode chained = result(api, jobId, stock.deviceId());
      assertThat(chained.path("state").asText()).isEqualTo("SUCCEEDED");
      assertThat(chained.path("artifactKind").asText()).isEqualTo("DELTA_CHAIN");
      long chainBytes = chained.path("bytesSent").asLong();
      assertThat(chainBytes).isGreaterThan(DELTA_BYTES).isLessThan(CHAIN_CAP);
      assertThat((long) next.length).isGreaterThan(CHAIN_CAP);
      assertThat(result(api, jobId, capped.deviceId()).path("state").asText()).isEqualTo("SKIPPED");
      JsonNode direct = result(api, jobId, prepared.devices().getFirst().deviceId());
      assertThat(direct.path("artifactKind").asText()).isEqualTo("DELTA");
      assertThat(direct.path("bytesSent").asLong()).isLessThan(chainBytes - DELTA_BYTES);
      long[] cellular = cellular(api, jobId);
      assertThat(cellular[1]).isEqualTo(cellular[2]).isEqualTo(bytesSent(api, jobId));
    }
  }

  private static void activeSim(GraphqlClient api, int n, String deviceId, long capBytes) {
    String simId =
        api.execute(
                "mutation($i: CreateSIMInput!) { createSIM(input: $i) { sim { id } } }",
                Map.of(
                    "i",
                    Map.of(
                        "iccid",
                        EndToEndRolloutTest.iccid(900 + n),
                        "imsi",
                        String.valueOf(234_150_000_000_900L + n),
                        "carrier",
                        "Acme Mobile",
                        "monthlyCapBytes",
                        capBytes,
                        "overagePolicy",
                        "BLOCK",
                        "deviceId",
                        deviceId)))
            .path("createSIM")
            .path("sim")
            .path("id")
            .asText();
    api.execute(
        "mutation($i: SIMStatusInput!) { activateSIM(input: $i) { sim { status } } }",
        Map.of("i", Map.of("id", simId)));
  }

  /** The job's cellular bytes over its stages: devices, expected, actual, deferred. */
  private static long[] cellular(GraphqlClient api, String jobId) {
    long[] sums = new long[4];
    for (JsonNode stage :
        api.execute(
                """
                query C($id: ID!) {
                  firmwareOTAJob(id: $id) {
                    cellularBytes { stageIndex devices expectedBytes actualBytes deferred }
                  }
                }""",
                Map.of("id", jobId))
            .path("firmwareOTAJob")
            .path("cellularBytes")) {
      sums[0] += stage.path("devices").asLong();
      sums[1] += stage.path("expectedBytes").asLong();
      sums[2] += stage.path("actualBytes").asLong();
      sums[3] += stage.path("deferred").asLong();
    }
    return sums;
  }

  /** What the job's results say the gateways sent, over all its devices. */
  private static long bytesSent(GraphqlClient api, String jobId) {
    long sum = 0;
    for (JsonNode item :
        api.execute(
                """
                query B($id: ID!) {
                  firmwareOTAJob(id: $id) { resultPage(size: 100) { items { bytesSent } } }
                }""",
                Map.of("id", jobId))
            .path("firmwareOTAJob")
            .path("resultPage")
            .path("items")) {
      sum += item.path("bytesSent").asLong();
    }
    return sum;
  }

  private static JsonNode result(GraphqlClient api, String jobId, String deviceId) {
    return api.execute(
            """
            query R($id: ID!, $device: ID!) {
              firmwareOTAJob(id: $id) {
                resultPage(filter: {deviceIds: [$device]}) {
                  items { state errorCode errorMessage success artifactKind bytesSent }
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
