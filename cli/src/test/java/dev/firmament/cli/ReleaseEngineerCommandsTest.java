package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands the issue added (results, a YAML plan, devices show and register, groups, products,
 * firmware invalidate) against a stub of the API: what they send, what they print, their exit
 * codes; and a token the server refuses.
 */
class ReleaseEngineerCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final ApiStub api = new ApiStub();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @AfterEach
  void stop() {
    api.close();
  }

  private int run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", api.url()));
    return FirmamentCli.run(
        all,
        Map.of(Cli.TOKEN_VARIABLE, "fmt_test"),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** {@code count} results from {@code from} on, device ids d0000..; every 3rd failed. */
  private static ObjectNode resultPage(int from, int count, int total) {
    ObjectNode page = JSON.createObjectNode();
    page.put("total", total);
    int end = Math.min(total, from + count);
    page.put("hasMore", end < total);
    if (end > from) {
      page.put("last", end - 1);
    } else {
      page.putNull("last");
    }
    ArrayNode items = page.putArray("items");
    for (int i = from; i < end; i++) {
      ObjectNode item = items.addObject();
      item.put("deviceId", "d%04d".formatted(i));
      boolean failed = i % 3 == 0;
      item.put("state", failed ? "FAILED" : "SUCCEEDED");
      item.put("attempt", 1);
      item.put("bytesSent", 1000L + i);
      item.put("artifactKind", "DELTA");
      if (failed) {
        item.put("errorCode", "FLASH_WRITE");
        item.put("errorMessage", "write failed at 0x08, \"bank 2\"");
      } else {
        item.putNull("errorCode");
        item.putNull("errorMessage");
      }
      item.put("updatedAt", "2026-01-01T00:00:00Z");
    }
    return page;
  }

  @Test
  void resultsPagesThroughEveryResultAndPrintsQuotedCsv() throws IOException {
    int total = 2500;
    api.answer =
        request -> {
          int from = request.path("variables").path("from").asInt();
          int size = request.path("variables").path("size").asInt();
          ObjectNode data = JSON.createObjectNode();
          data.putObject("data")
              .putObject("firmwareOTAJob")
              .set("resultPage", resultPage(from, size, total));
          return data.toString();
        };
    assertThat(run("rollout", "results", "j1", "--state", "failed", "--stage", "canary", "--csv"))
        .as(err())
        .isZero();
    assertThat(api.requests).hasSize(3);
    assertThat(api.requests.stream().map(r -> r.body().path("variables").path("from").asInt()))
        .containsExactly(0, 1000, 2000);
    JsonNode variables = api.last().path("variables");
    assertThat(variables.path("size").asInt()).isEqualTo(1000);
    assertThat(variables.path("filter").path("states").get(0).asText()).isEqualTo("FAILED");
    assertThat(variables.path("filter").path("stages").get(0).asText()).isEqualTo("canary");
    assertThat(variables.path("filter").has("errorCodes")).isFalse();
    List<String> lines = out().lines().toList();
    assertThat(lines).hasSize(total + 1);
    assertThat(lines.getFirst())
        .isEqualTo(
            "deviceId,state,attempt,bytesSent,artifactKind,errorCode,errorMessage,updatedAt");
    assertThat(lines.get(1))
        .isEqualTo(
            "d0000,FAILED,1,1000,DELTA,FLASH_WRITE,\"write failed at 0x08, \"\"bank 2\"\"\","
                + "2026-01-01T00:00:00Z");
    assertThat(lines.get(2)).isEqualTo("d0001,SUCCEEDED,1,1001,DELTA,,,2026-01-01T00:00:00Z");
    assertThat(lines.getLast()).startsWith("d2499,");
  }

  @Test
  void resultsAsJsonOrATableAndTheirUsageErrors() throws IOException {
    api.answer =
        request -> {
          ObjectNode data = JSON.createObjectNode();
          data.putObject("data")
              .putObject("firmwareOTAJob")
              .set("resultPage", resultPage(0, 1000, 2));
          return data.toString();
        };
    assertThat(run("rollouts", "results", "j1", "--json", "--error-code", "FLASH_WRITE")).isZero();
    JsonNode json = JSON.readTree(out());
    assertThat(json.path("total").asInt()).isEqualTo(2);
    assertThat(json.path("items").get(0).path("deviceId").asText()).isEqualTo("d0000");
    out.reset();
    assertThat(run("rollouts", "results", "j1")).isZero();
    assertThat(out()).contains("DEVICE", "d0000", "FLASH_WRITE: write failed", "2 result(s)");
    assertThat(run("rollouts", "results", "j1", "--csv", "--json")).isEqualTo(2);
    assertThat(err()).contains("--csv and --json exclude each other");
    err.reset();
    api.answer = request -> "{\"data\":{\"firmwareOTAJob\":null}}";
    assertThat(run("rollouts", "results", "nope", "--csv")).isEqualTo(1);
    assertThat(err()).contains("no rollout nope (NOT_FOUND)");
  }

  @Test
  void createSendsAYamlPlanWithTheOptionsOverIt() throws IOException {
    Path plan = dir.resolve("plan.yaml");
    Files.writeString(
        plan,
        """
        productId: p1
        targetVersion: "2.0"
        maxInFlight: 5
        stages:
          - {name: canary, count: 2}
          - {name: rest, percent: 100}
        """);
    api.answer =
        request ->
            "{\"data\":{\"createOTAJob\":{\"job\":{\"id\":\"j9\",\"status\":\"RUNNING\","
                + "\"targetVersion\":\"2.0\",\"totalDevices\":6,\"product\":{\"name\":\"m\"}}}}}";
    assertThat(run("rollout", "create", "-f", plan.toString(), "--max-in-flight", "2"))
        .as(err())
        .isZero();
    JsonNode input = api.last().path("variables").path("input");
    assertThat(input.path("productId").asText()).isEqualTo("p1");
    assertThat(input.path("targetVersion").asText()).isEqualTo("2.0");
    assertThat(input.path("maxInFlight").asInt()).isEqualTo(2);
    assertThat(input.path("stages").get(0).path("count").asInt()).isEqualTo(2);
    assertThat(input.path("stages").get(1).path("name").asText()).isEqualTo("rest");
    assertThat(out()).startsWith("created rollout j9: 2.0 to 6 device(s) of m, RUNNING");

    Path broken = dir.resolve("broken.yml");
    Files.writeString(broken, "- not a mapping\n");
    assertThat(run("rollouts", "create", "--file", broken.toString())).isEqualTo(2);
    assertThat(err()).contains("-f " + broken + ": must hold a YAML mapping");
  }

  @Test
  void devicesShowPrintsTheDeviceAndItsRecentUpdates() throws IOException {
    api.answer =
        request ->
            """
            {"data":{"device":{"id":"m-1","name":"Meter 1","online":true,
             "lastHeard":"2026-01-02T03:04:05Z","lastIp":"10.0.0.7","created":"2026-01-01T00:00:00Z",
             "hardwareId":"aa:bb","serialNumber":null,"tags":["north"],
             "firmwareVersion":{"version":"1.0.0","title":null},"targetFirmwareVersion":"2.0.0",
             "firmwareLock":null,"product":{"id":"p1","name":"meter"},
             "groups":[{"id":"g1","name":"canaries"}],
             "updates":{"total":7,"items":[{"job":{"id":"j1","targetVersion":"2.0.0",
              "status":"RUNNING"},"state":"DOWNLOADING","attempt":1,"errorCode":null,
              "errorMessage":null,"updatedAt":"2026-01-02T03:04:00Z"}]}}}}
            """;
    assertThat(run("device", "show", "m-1", "--updates", "1")).as(err()).isZero();
    assertThat(api.last().path("variables").path("updates").asInt()).isEqualTo(1);
    assertThat(out())
        .contains(
            "device m-1  Meter 1  online",
            "product meter (p1)",
            "version 1.0.0, target 2.0.0",
            "groups: canaries",
            "last heard: 2026-01-02T03:04:05Z",
            "hardware id: aa:bb",
            "tags: north",
            "updates: 1 of 7, newest first",
            "j1",
            "DOWNLOADING")
        .doesNotContain("serial number");
    out.reset();
    assertThat(run("devices", "show", "m-1", "--json")).isZero();
    assertThat(JSON.readTree(out()).path("targetFirmwareVersion").asText()).isEqualTo("2.0.0");
    api.answer = request -> "{\"data\":{\"device\":null}}";
    assertThat(run("devices", "show", "ghost")).isEqualTo(1);
    assertThat(err()).contains("no device ghost (NOT_FOUND)");
  }

  @Test
  void devicesRegisterSendsOneDeviceAndPrintsItsCredentialsOnce() {
    api.answer =
        request ->
            "{\"data\":{\"registerDevices\":{\"devices\":[{\"id\":\"m-9\",\"name\":\"m-9\","
                + "\"product\":{\"id\":\"p1\",\"name\":\"meter\"}}],\"credentials\":[{\"deviceId\":"
                + "\"m-9\",\"mqttUsername\":\"m-9\",\"mqttPassword\":\"s3cret\"}]}}}";
    assertThat(
            run(
                "devices",
                "register",
                "--product",
                "p1",
                "--id",
                "m-9",
                "--firmware-version",
                "1.0.0"))
        .as(err())
        .isZero();
    JsonNode input = api.last().path("variables").path("input");
    assertThat(input.path("productId").asText()).isEqualTo("p1");
    assertThat(input.path("devices").get(0).path("id").asText()).isEqualTo("m-9");
    assertThat(input.path("devices").get(0).path("name").asText()).isEqualTo("m-9");
    assertThat(input.path("devices").get(0).path("firmwareVersion").asText()).isEqualTo("1.0.0");
    assertThat(out()).contains("registered device m-9", "MQTT password: s3cret", "shown only now");
    assertThat(run("devices", "register", "--product", "p1")).isEqualTo(2);
    assertThat(err()).contains("--id");
  }

  @Test
  void groupsCreateAddAndRemove() {
    api.answer =
        request -> {
          String query = request.path("query").asText();
          if (query.contains("createDeviceGroup")) {
            return "{\"data\":{\"createDeviceGroup\":{\"deviceGroup\":{\"id\":\"g1\",\"name\":"
                + "\"canaries\",\"product\":{\"id\":\"p1\",\"name\":\"meter\"}}}}}";
          }
          String field = query.contains("addDevicesToGroup") ? "add" : "remove";
          return "{\"data\":{\""
              + field
              + (field.equals("add") ? "DevicesToGroup" : "DevicesFromGroup")
              + "\":{\"deviceGroup\":{\"id\":\"g1\",\"name\":\"canaries\"},\"changed\":1}}}";
        };
    assertThat(run("groups", "create", "--product", "p1", "--name", "canaries", "m-1"))
        .as(err())
        .isZero();
    assertThat(api.last().path("variables").path("input").path("deviceIds").get(0).asText())
        .isEqualTo("m-1");
    assertThat(out()).contains("created group g1 (canaries) of meter with 1 device(s)");
    out.reset();
    assertThat(run("group", "add", "g1", "m-1", "m-2")).as(err()).isZero();
    assertThat(api.last().path("query").asText()).contains("addDevicesToGroup");
    assertThat(api.last().path("variables").path("input").path("deviceIds")).hasSize(2);
    assertThat(out()).contains("group g1 (canaries): 1 device(s) added, 1 unchanged");
    out.reset();
    assertThat(run("groups", "remove", "g1", "m-2", "--json")).isZero();
    assertThat(api.last().path("query").asText()).contains("removeDevicesFromGroup");
    assertThat(out()).contains("\"changed\":1");
    assertThat(run("groups", "add", "g1")).isEqualTo(2);
  }

  @Test
  void productsListPrintsATable() {
    api.answer =
        request ->
            "{\"data\":{\"login\":{\"products\":{\"total\":1,\"hasMore\":false,\"last\":0,"
                + "\"items\":[{\"id\":\"p1\",\"slug\":\"meter\",\"name\":\"Meter\","
                + "\"createdAt\":\"2026-01-01T00:00:00Z\"}]}}}}";
    assertThat(run("product", "list", "--name-prefix", "me")).as(err()).isZero();
    assertThat(api.last().path("variables").path("filter").path("namePrefix").asText())
        .isEqualTo("me");
    assertThat(out()).contains("p1", "meter", "Meter", "1 of 1 products");
  }

  @Test
  void firmwareInvalidateFindsAVersionOfTheProduct() {
    api.answer =
        request -> {
          if (request.path("query").asText().contains("invalidateFirmware")) {
            return "{\"data\":{\"invalidateFirmware\":{\"firmware\":{\"id\":\"f2\",\"version\":"
                + "\"2.0\",\"invalidatedAt\":\"2026-01-01T00:00:00Z\",\"invalidReason\":\"bad\"},"
                + "\"abortedJobs\":[{\"id\":\"j1\",\"status\":\"RUNNING\"}]}}}";
          }
          return "{\"data\":{\"product\":{\"firmware\":{\"hasMore\":false,\"last\":1,\"items\":"
              + "[{\"id\":\"f1\",\"version\":\"1.0\"},{\"id\":\"f2\",\"version\":\"2.0\"}]}}}}";
        };
    assertThat(run("firmware", "invalidate", "2.0", "--product", "p1", "--reason", "bricks"))
        .as(err())
        .isZero();
    assertThat(api.last().path("variables").path("input").path("firmwareId").asText())
        .isEqualTo("f2");
    assertThat(api.last().path("variables").path("input").path("reason").asText())
        .isEqualTo("bricks");
    assertThat(out()).contains("invalidated firmware 2.0 (f2); aborting rollout(s) j1");
    assertThat(run("firmware", "invalidate", "9.9", "--product", "p1", "--reason", "x"))
        .isEqualTo(1);
    assertThat(err()).contains("no firmware 9.9 of product p1 (NOT_FOUND)");
    assertThat(run("firmware", "invalidate", "f1")).isEqualTo(2);
    assertThat(err()).contains("--reason");
  }

  @Test
  void aTokenTheServerRefusesExitsOneWithItsMessageAndCode() {
    api.unauthorized = true;
    for (List<String> command :
        List.of(
            List.of("rollouts", "results", "j1", "--csv"),
            List.of("devices", "show", "m-1"),
            List.of("products", "list"),
            List.of("groups", "add", "g1", "m-1"))) {
      out.reset();
      err.reset();
      assertThat(run(command.toArray(String[]::new))).as(String.join(" ", command)).isEqualTo(1);
      assertThat(err())
          .isEqualTo(
              "firmament "
                  + String.join(" ", command.subList(0, 2))
                  + ": a valid credential is required (UNAUTHENTICATED)\n");
      assertThat(out()).isEmpty();
    }
    assertThat(api.requests.getFirst().authorization()).isEqualTo("Bearer fmt_test");
  }
}
