package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.cli.Cli;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release engineer's day on the command line, against the embedded stack and a simulated fleet:
 * list the firmware with its deltas, the products and the devices, show a device, put it in a new
 * group, create a staged rollout from a YAML plan file, watch it live (the API's subscription) to
 * its end (exit code 0) while pausing and resuming it from another terminal, read it back with
 * {@code show} and {@code list}, and export its results as CSV, row for row the API's; a read-only
 * token's {@code pause} is refused with the API's typed error and exit code 1, and so is a token
 * the server does not know.
 */
class ReleaseEngineerCliEndToEndTest {
  private static final int FLEET_SIZE = 6;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  private static DevServer server;

  @BeforeAll
  static void start() {
    server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** One run of the command: its exit code and what it printed. */
  record Run(int code, String out, String err) {}

  private static Run cli(String token, String... args) {
    return cli(new ByteArrayOutputStream(), token, args);
  }

  /** As above, printing into {@code out}, which another thread may read while the command runs. */
  private static Run cli(ByteArrayOutputStream out, String token, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", "http://127.0.0.1:" + server.port()));
    int code =
        Firmament.run(
            all,
            Map.of(Cli.TOKEN_VARIABLE, token),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Run owner(String... args) {
    return cli(server.ownerToken(), args);
  }

  @Test
  void aReleaseEngineerRollsOutWatchesAndControlsARolloutFromTheCommandLine() throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("cli", FLEET_SIZE));
    String productId = prepared.productId();
    // Every download is slow, one device at a time: the rollout runs long enough to be paused.
    try (FleetSimulator fleet =
        FleetSimulator.start(
            server.stack().endpoints().mqttUrl(),
            prepared.devices(),
            Demo.fleetOptions(server, productId).withSlowLink(1.0, Duration.ofMillis(300)))) {
      demo.awaitFleetReported(api, fleet.size());
      demo.uploadIfMissing(api, productId, Demo.FROM_VERSION, "armapp.old");
      demo.uploadIfMissing(api, productId, Demo.TO_VERSION, "armapp.new");
      demo.awaitDeltas(api, productId);

      Run firmware = owner("firmware", "list", "--product", productId);
      assertThat(firmware.code()).as(firmware.err()).isZero();
      assertThat(firmware.out())
          .contains(Demo.TO_VERSION, Demo.FROM_VERSION, "from 1.0.0: ", "2 of 2 firmware");
      JsonNode firmwareJson = JSON.readTree(owner("firmware", "list", "--json").out());
      JsonNode newest = firmwareJson.get(0).path("firmware").path("items").get(0);
      assertThat(newest.path("version").asText()).isEqualTo(Demo.TO_VERSION);
      assertThat(newest.path("deltas").get(0).path("size").asLong()).isPositive();

      Run firstPage = owner("devices", "list", "--product", productId, "--online", "--size", "4");
      assertThat(firstPage.code()).as(firstPage.err()).isZero();
      assertThat(firstPage.out()).contains("cli-0", "4 of 6 devices; more with --from 4");
      JsonNode all =
          JSON.readTree(
              owner(
                      "devices",
                      "list",
                      "--product",
                      productId,
                      "--version",
                      Demo.FROM_VERSION,
                      "--size",
                      "4",
                      "--all",
                      "--json")
                  .out());
      assertThat(all.path("total").asInt()).isEqualTo(FLEET_SIZE);
      assertThat(all.path("hasMore").asBoolean()).isFalse();
      assertThat(all.path("items")).hasSize(FLEET_SIZE);

      String deviceId = all.path("items").get(0).path("id").asText();
      Run device = owner("device", "show", deviceId);
      assertThat(device.code()).as(device.err()).isZero();
      assertThat(device.out())
          .contains(
              "device " + deviceId, "online", "version " + Demo.FROM_VERSION, "updates: none");

      Run products = owner("products", "list", "--json");
      assertThat(products.code()).as(products.err()).isZero();
      assertThat(JSON.readTree(products.out()).path("items").findValuesAsText("id"))
          .contains(productId);

      Run group =
          owner("groups", "create", "--product", productId, "--name", "cli-canaries", "--json");
      assertThat(group.code()).as(group.err()).isZero();
      String groupId = JSON.readTree(group.out()).path("id").asText();
      Run added = owner("group", "add", groupId, deviceId);
      assertThat(added.code()).as(added.err()).isZero();
      assertThat(added.out()).contains("1 device(s) added");
      assertThat(owner("devices", "show", deviceId, "--json").out()).contains("cli-canaries");

      // The plan comes from a YAML file, as a release engineer keeps it beside the firmware.
      Path plan = dataDir.resolve("plan.yaml");
      Files.writeString(
          plan,
          """
          # Two stages, one device at a time, paused when half the finished devices failed.
          productId: %s
          targetVersion: "%s"
          maxInFlight: 1
          gate:
            maxFailureRate: 0.5
            minimumSample: 2
          stages:
            - {name: canary, count: 2}
            - {name: rest, percent: 100}
          """
              .formatted(productId, Demo.TO_VERSION));
      Run created = owner("rollout", "create", "-f", plan.toString(), "--json");
      assertThat(created.code()).as(created.err()).isZero();
      String id = JSON.readTree(created.out()).path("id").asText();

      // The watch runs beside the controls; its output is read as it prints.
      ByteArrayOutputStream watching = new ByteArrayOutputStream();
      CompletableFuture<Run> watch =
          CompletableFuture.supplyAsync(
              () -> cli(watching, server.ownerToken(), "rollouts", "watch", id));

      Run paused = owner("rollouts", "pause", id);
      assertThat(paused.code()).as(paused.err()).isZero();
      assertThat(paused.out()).startsWith("rollout " + id + ": pause sent, status ");
      await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals("PAUSED"));

      Run refused = cli(readOnlyToken(api), "rollouts", "pause", id);
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err())
          .startsWith("firmament rollouts pause: ")
          .contains("rollouts:write", "(FORBIDDEN)")
          .doesNotContain("Exception", "\tat ");
      assertThat(refused.out()).isEmpty();

      Run wrongToken = cli("fmt_not_a_token", "rollouts", "show", id);
      assertThat(wrongToken.code()).isEqualTo(1);
      assertThat(wrongToken.err())
          .startsWith("firmament rollouts show: ")
          .contains("(UNAUTHENTICATED)")
          .doesNotContain("Exception");

      Run shown = owner("rollouts", "show", id);
      assertThat(shown.code()).as(shown.err()).isZero();
      assertThat(shown.out())
          .contains("rollout " + id + "  PAUSED", "canary", "rest", "max 50%, PAUSE on breach");

      // The watch shows the pause live before the rollout goes on (on a loaded machine its
      // subscription may start only after the pause; it then opens on the paused rollout).
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> watching.toString(StandardCharsets.UTF_8).contains("PAUSED"));
      Run resumed = owner("rollouts", "resume", id);
      assertThat(resumed.code()).as(resumed.err()).isZero();

      Run watched = watch.get(60, TimeUnit.SECONDS);
      System.out.print(watched.out());
      assertThat(watched.code()).as(watched.out() + watched.err()).isZero();
      assertThat(watched.out())
          .contains(
              "PAUSED",
              "stage 0 canary",
              "stage 1 rest",
              "[####################] 2/2",
              "[####################] 4/4",
              "rollout " + id + " SUCCEEDED: 6 succeeded, 0 skipped, 0 failed, 0 timed out of 6");

      Run listed = owner("rollouts", "list", "--product", productId, "--status", "succeeded");
      assertThat(listed.code()).as(listed.err()).isZero();
      assertThat(listed.out()).contains(id, "SUCCEEDED", "6/6", "1 of 1 rollouts");

      // The results as CSV: a header, then exactly the API's results, row for row.
      Run csv = owner("rollouts", "results", id, "--csv");
      assertThat(csv.code()).as(csv.err()).isZero();
      List<String> rows = csv.out().lines().toList();
      assertThat(rows.getFirst())
          .isEqualTo(
              "deviceId,state,attempt,bytesSent,artifactKind,errorCode,errorMessage,updatedAt");
      List<String> expected = new ArrayList<>();
      for (JsonNode r :
          api.execute(
                  "query($id: ID!) { firmwareOTAJob(id: $id) { resultPage(size: 1000) { items {"
                      + " deviceId state attempt bytesSent artifactKind errorCode errorMessage"
                      + " updatedAt } } } }",
                  Map.of("id", id))
              .path("firmwareOTAJob")
              .path("resultPage")
              .path("items")) {
        expected.add(
            String.join(
                ",",
                r.path("deviceId").asText(),
                r.path("state").asText(),
                r.path("attempt").asText(),
                r.path("bytesSent").asText(),
                r.path("artifactKind").isNull() ? "" : r.path("artifactKind").asText(),
                r.path("errorCode").isNull() ? "" : r.path("errorCode").asText(),
                r.path("errorMessage").isNull() ? "" : r.path("errorMessage").asText(),
                r.path("updatedAt").asText()));
      }
      assertThat(expected).hasSize(FLEET_SIZE);
      assertThat(rows.subList(1, rows.size())).isEqualTo(expected);
      assertThat(owner("rollouts", "results", id, "--state", "FAILED", "--csv").out().lines())
          .containsExactly(rows.getFirst());
    }
  }

  private static String status(String id) throws Exception {
    Run shown = owner("rollouts", "show", id, "--json");
    return JSON.readTree(shown.out()).path("status").asText();
  }

  private static String readOnlyToken(GraphqlClient api) {
    return api.execute(
            "mutation { createAPIToken(input: {name: \"ro\", scopes: [\"rollouts:read\"],"
                + " expiresInDays: 1}) { token } }",
            Map.of())
        .path("createAPIToken")
        .path("token")
        .asText();
  }
}
