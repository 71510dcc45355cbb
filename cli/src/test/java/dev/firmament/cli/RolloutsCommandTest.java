package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The release engineer's commands against a stub of the GraphQL endpoint on loopback: what they
 * send (documents and variables), how they print the answers, and their exit codes; usage errors
 * without any server. ReleaseEngineerCliEndToEndTest runs them against the real API.
 */
class RolloutsCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private volatile Function<JsonNode, String> answer = request -> "{\"data\":{}}";
  private volatile List<String> events = List.of();

  /** Event streams to answer one per subscription, before {@link #events}. */
  private final java.util.Queue<List<String>> streams =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/graphql",
        exchange -> {
          JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
          requests.add(request);
          boolean sse = "text/event-stream".equals(exchange.getRequestHeaders().getFirst("Accept"));
          StringBuilder body = new StringBuilder();
          if (sse) {
            List<String> stream = streams.poll();
            for (String event : stream != null ? stream : events) {
              body.append("event: next\ndata: ").append(event).append("\n\n");
            }
            body.append("event: complete\n\n");
          } else {
            body.append(answer.apply(request));
          }
          byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .add("Content-Type", sse ? "text/event-stream" : "application/json");
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private int run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", "http://127.0.0.1:" + server.getAddress().getPort()));
    return FirmamentCli.run(
        all,
        Map.of(Cli.TOKEN_VARIABLE, "fmt_test"),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private int runWithoutServer(String... args) {
    return FirmamentCli.run(
        List.of(args),
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

  @Test
  void createSendsThePlanTheOptionsDescribe() throws IOException {
    answer =
        request ->
            "{\"data\":{\"createOTAJob\":{\"job\":{\"id\":\"j1\",\"status\":\"RUNNING\","
                + "\"targetVersion\":\"2.0\",\"totalDevices\":40,\"product\":{\"name\":\"meter\"}}}}}";
    int code =
        run(
            "rollouts",
            "create",
            "--product",
            "p1",
            "--version",
            "2.0",
            "--stage",
            "canary:group=canaries,soak=600,max-in-flight=2",
            "--stage",
            "wave:percent=25,approval",
            "--stage",
            "rest:count=1000",
            "--max-in-flight",
            "10",
            "--max-failure-rate",
            "0.1",
            "--minimum-sample",
            "5",
            "--on-breach",
            "rollback",
            "--max-attempts",
            "3",
            "--expires-after",
            "3600",
            "--data-policy",
            "DEFER",
            "--window-cron",
            "0 0 2 * * *",
            "--window-minutes",
            "120",
            "--require-approval",
            "--wait-if-busy");
    assertThat(code).as(err()).isZero();
    assertThat(out()).isEqualTo("created rollout j1: 2.0 to 40 device(s) of meter, RUNNING\n");
    JsonNode request = requests.getFirst();
    assertThat(request.path("query").asText()).contains("createOTAJob(input: $input)");
    assertThat(request.path("variables").path("input"))
        .isEqualTo(
            JSON.readTree(
                """
                {"productId":"p1","targetVersion":"2.0",
                 "stages":[{"name":"canary","group":"canaries","soakSeconds":600,"maxInFlight":2},
                           {"name":"wave","percent":25,"requireApproval":true},
                           {"name":"rest","count":1000}],
                 "maxInFlight":10,
                 "gate":{"maxFailureRate":0.1,"minimumSample":5,"onBreach":"ROLLBACK"},
                 "retry":{"maxAttempts":3},"expiresAfterSeconds":3600,"dataPolicy":"DEFER",
                 "maintenanceWindow":{"cron":"0 0 2 * * *","durationMinutes":120},
                 "requireApproval":true,"onDevicesBusy":"WAIT"}"""));
  }

  @Test
  void listPrintsATableAndAllFollowsThePages() throws IOException {
    answer =
        request -> {
          int from = request.path("variables").path("from").asInt();
          String item =
              "{\"id\":\"j%d\",\"status\":\"SUCCEEDED\",\"targetVersion\":\"2.0\","
                  + "\"totalDevices\":3,\"createdAt\":\"2026-12-06T08:00:00Z\","
                  + "\"product\":{\"name\":\"meter\"},\"progress\":{\"succeeded\":2,"
                  + "\"skipped\":1,\"failed\":0,\"timedOut\":0}}";
          return "{\"data\":{\"login\":{\"firmwareOTAJobs\":{\"total\":3,\"hasMore\":"
              + (from + 2 < 3)
              + ",\"last\":"
              + Math.min(from + 1, 2)
              + ",\"items\":["
              + String.format(item, from)
              + (from + 1 < 3 ? "," + String.format(item, from + 1) : "")
              + "]}}}}";
        };
    assertThat(run("rollouts", "list", "--size", "2", "--status", "succeeded")).isZero();
    assertThat(out())
        .isEqualTo(
            """
            ID  PRODUCT  VERSION  STATUS     DONE  FAILED  CREATED
            j0  meter    2.0      SUCCEEDED  3/3   0       2026-12-06T08:00:00Z
            j1  meter    2.0      SUCCEEDED  3/3   0       2026-12-06T08:00:00Z
            2 of 3 rollouts; more with --from 2, or --all
            """);
    assertThat(requests.getFirst().path("variables").path("filter").toString())
        .isEqualTo("{\"statuses\":[\"SUCCEEDED\"]}");

    out.reset();
    requests.clear();
    assertThat(run("rollouts", "list", "--size", "2", "--all", "--json")).isZero();
    JsonNode all = JSON.readTree(out());
    assertThat(all.path("items")).hasSize(3);
    assertThat(all.path("total").asInt()).isEqualTo(3);
    assertThat(all.path("hasMore").asBoolean()).isFalse();
    assertThat(requests)
        .extracting(r -> r.path("variables").path("from").asInt())
        .containsExactly(0, 2);
  }

  @Test
  void anApiErrorPrintsItsMessageAndCodeAndExitsOne() {
    answer =
        request ->
            "{\"errors\":[{\"message\":\"this needs the scope rollouts:write\","
                + "\"extensions\":{\"code\":\"FORBIDDEN\"}}],\"data\":null}";
    assertThat(run("rollouts", "pause", "j1")).isEqualTo(1);
    assertThat(err())
        .isEqualTo("firmament rollouts pause: this needs the scope rollouts:write (FORBIDDEN)\n");
    assertThat(out()).isEmpty();
    assertThat(requests.getFirst().path("variables").path("input").toString())
        .isEqualTo("{\"jobId\":\"j1\"}");
  }

  @Test
  void cancelWithRollbackSaysSo() {
    answer =
        request ->
            "{\"data\":{\"cancelOTAJob\":{\"job\":{\"id\":\"j1\",\"status\":\"ROLLING_BACK\"}}}}";
    assertThat(run("rollouts", "cancel", "j1", "--rollback")).isZero();
    assertThat(out()).isEqualTo("rollout j1: cancel sent, status ROLLING_BACK\n");
    assertThat(requests.getFirst().path("query").asText()).contains("cancelOTAJob");
    assertThat(requests.getFirst().path("variables").path("input").path("rollback").asBoolean())
        .isTrue();
  }

  @Test
  void overrideDataCapNamesTheRolloutAndItsDevices() throws IOException {
    answer =
        request ->
            "{\"data\":{\"overrideOTADataCap\":{\"job\":{\"id\":\"j1\",\"status\":\"RUNNING\"}}}}";
    assertThat(run("rollouts", "override-data-cap", "j1", "d1", "d2")).isZero();
    assertThat(out()).isEqualTo("rollout j1: override-data-cap sent, status RUNNING\n");
    assertThat(requests.getFirst().path("query").asText())
        .contains("overrideOTADataCap(input: $input)");
    assertThat(requests.getFirst().path("variables").path("input"))
        .isEqualTo(JSON.readTree("{\"jobId\":\"j1\",\"deviceIds\":[\"d1\",\"d2\"]}"));
  }

  private static String progress(String status, int succeeded, String stageStatus) {
    return """
        {"data":{"rolloutProgress":{"status":"%s","job":{"id":"j1","targetVersion":"2.0",\
        "totalDevices":4},"progress":{"succeeded":%d,"failed":0,"skipped":0,"timedOut":0},\
        "stages":[{"index":0,"name":"canary","status":"%s","assigned":4,"succeeded":%d,\
        "failed":0,"timedOut":0,"rejected":0,"rolledBack":0,"skipped":0,"inFlight":1}]}}}"""
        .formatted(status, succeeded, stageStatus, succeeded);
  }

  @Test
  void watchPrintsAStageLineWhenItChangesAndExitsByTheOutcome() {
    events =
        List.of(
            progress("RUNNING", 0, "RUNNING"),
            progress("RUNNING", 2, "RUNNING"),
            progress("RUNNING", 2, "RUNNING"),
            progress("SUCCEEDED", 4, "SUCCEEDED"));
    assertThat(run("rollouts", "watch", "j1")).as(err()).isZero();
    assertThat(out())
        .isEqualTo(
            """
            rollout j1 -> 2.0  RUNNING  0/4 done
              stage 0 canary       RUNNING          [--------------------] 0/4  succeeded 0  failed 0  in flight 1
              stage 0 canary       RUNNING          [##########----------] 2/4  succeeded 2  failed 0  in flight 1
            rollout j1 -> 2.0  SUCCEEDED  4/4 done
              stage 0 canary       SUCCEEDED        [####################] 4/4  succeeded 4  failed 0  in flight 1
            rollout j1 SUCCEEDED: 4 succeeded, 0 skipped, 0 failed, 0 timed out of 4
            """);
    assertThat(requests.getFirst().path("query").asText()).contains("rolloutProgress");

    out.reset();
    events = List.of(progress("RUNNING", 2, "RUNNING"), progress("ABORTED", 2, "ABORTED"));
    assertThat(run("rollouts", "watch", "j1")).isEqualTo(1);
    assertThat(out())
        .endsWith("rollout j1 ABORTED: 2 succeeded, 0 skipped, 0 failed, 0 timed out of 4\n");

    err.reset();
    requests.clear();
    events = List.of(progress("RUNNING", 2, "RUNNING"));
    assertThat(run("rollouts", "watch", "j1")).isEqualTo(1);
    assertThat(err()).contains("the progress stream ended before the rollout");
    assertThat(requests).hasSize(1 + RolloutsCommand.Watch.RESUBSCRIPTIONS);
  }

  @Test
  void aWatchWhoseStreamTheApiEndedSubscribesAgain() {
    streams.add(List.of(progress("RUNNING", 2, "RUNNING")));
    events = List.of(progress("RUNNING", 3, "RUNNING"), progress("SUCCEEDED", 4, "SUCCEEDED"));
    assertThat(run("rollouts", "watch", "j1")).isZero();
    assertThat(err())
        .isEqualTo("firmament rollouts watch: the progress stream ended; subscribing again\n");
    assertThat(out())
        .contains("[##########----------] 2/4", "[###############-----] 3/4")
        .endsWith("rollout j1 SUCCEEDED: 4 succeeded, 0 skipped, 0 failed, 0 timed out of 4\n");
  }

  @Test
  void theGateColumnJudgesAsTheOrchestratorDoes() throws IOException {
    JsonNode gate =
        JSON.readTree(
            "{\"countedFailures\":[\"FAILED\"],\"maxFailureRate\":0.2,\"minimumSample\":5,"
                + "\"minSuccessRate\":0,\"onBreach\":\"PAUSE\"}");
    assertThat(RolloutsCommand.Show.gate(gate, stage(8, 2, 0))).startsWith("holds: 2/10 failed");
    assertThat(RolloutsCommand.Show.gate(gate, stage(7, 3, 0))).startsWith("BREACHED: 3/10");
    // Timeouts are not counted by this gate.
    assertThat(RolloutsCommand.Show.gate(gate, stage(7, 2, 1))).startsWith("holds: 2/10");
    assertThat(RolloutsCommand.Show.gate(gate, stage(1, 3, 0))).startsWith("sampling 4/5");
  }

  private static JsonNode stage(int succeeded, int failed, int timedOut) throws IOException {
    return JSON.readTree(
        "{\"assigned\":10,\"succeeded\":%d,\"failed\":%d,\"timedOut\":%d}"
            .formatted(succeeded, failed, timedOut));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "rollouts list --size abc|'--size'",
        "rollouts list --size 5000|--size must be between 1 and 1000",
        "rollouts list --colour red|'--colour'",
        "rollouts pause|'ID'",
        "rollouts override-data-cap j1|'DEVICE'",
        "rollouts create --product p --version 1 --data-policy LATER|'--data-policy'",
        "rollouts create --product p|--product and --version are required",
        "rollouts create --product p --version 1 --stage canary|'--stage'",
        "rollouts create --product p --version 1 --stage c:percent=x|percent needs a whole number",
        "rollouts create --product p --version 1 --max-failure-rate 2|--max-failure-rate must be",
        "rollouts create --product p --version 1 --on-breach PAUSE|--on-breach need",
        "rollouts create --product p --version 1 --on-breach later --max-failure-rate 0.1|'--on-breach'",
        "rollouts create --product p --version 1 --start-at tomorrow|--start-at needs an ISO-8601",
        "rollouts watch j1 --interval 5|--interval must be between 100 and 60000",
        "rollouts frobnicate|unknown command 'frobnicate'",
        "rollouts|a command is required",
        "devices list --online --offline|--online and --offline exclude each other",
        "firmware list --from -1|--from must be between"
      })
  void usageErrorsExitTwoWithOneLineNamingTheArgument(String args, String message) {
    assertThat(runWithoutServer(args.split(" "))).isEqualTo(2);
    assertThat(err()).contains(message).doesNotContain("Exception");
    assertThat(err().strip().lines()).hasSize(1);
    assertThat(out()).isEmpty();
  }

  @Test
  void withoutATokenTheCommandSaysWhereItComesFrom() {
    int code =
        FirmamentCli.run(
            List.of("rollouts", "list"),
            Map.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err()).contains("an API token is required: --token TOKEN or FIRMAMENT_TOKEN");
  }

  @Test
  void anUnreachableServerIsAFailureNotAUsageError() {
    assertThat(runWithoutServer("rollouts", "show", "j1", "--server", "http://127.0.0.1:1"))
        .isEqualTo(1);
    assertThat(err()).startsWith("firmament rollouts show: ").doesNotContain("\tat ");
  }
}
