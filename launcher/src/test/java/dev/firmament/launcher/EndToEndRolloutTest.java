package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.FirmwareUploadCommand;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.manifest.Sha256;
import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.workers.usage.UsageFlush;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton on real components: embedded PostgreSQL, Temporal's test server, s3proxy and
 * HiveMQ, the API and workers connected to them by address, and 50 simulated devices that verify
 * every image they install. Everything is driven through the GraphQL API.
 */
class EndToEndRolloutTest {
  private static final int FLEET_SIZE = 50;

  /** A valid 19-digit ICCID numbered {@code n}: 89, 16 digits, the Luhn check digit. */
  static String iccid(int n) {
    String body = "8944" + String.format("%014d", n);
    for (int check = 0; check <= 9; check++) {
      String number = body + check;
      int sum = 0;
      for (int i = 0; i < number.length(); i++) {
        int digit = number.charAt(number.length() - 1 - i) - '0';
        if (i % 2 == 1) {
          digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        }
        sum += digit;
      }
      if (sum % 10 == 0) {
        return number;
      }
    }
    throw new IllegalStateException();
  }

  @TempDir static Path dataDir;
  private static DevServer server;

  /** The spans the server makes, as its OTLP exporter would send them. */
  private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

  @BeforeAll
  static void start() {
    server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of(), List.of(SPANS));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theBrokerRefusesUnknownDevicesAndForeignIdentities() {
    int port = java.net.URI.create(server.stack().endpoints().mqttUrl()).getPort();
    for (String[] identity :
        new String[][] {{"stranger", "stranger", "guess"}, {"e2e-00001", "e2e-00002", "guess"}}) {
      var client =
          com.hivemq.client.mqtt.mqtt5.Mqtt5Client.builder()
              .identifier(identity[0])
              .serverHost("127.0.0.1")
              .serverPort(port)
              .buildBlocking();
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  client
                      .connectWith()
                      .simpleAuth()
                      .username(identity[1])
                      .password(identity[2].getBytes(java.nio.charset.StandardCharsets.UTF_8))
                      .applySimpleAuth()
                      .send())
          .isInstanceOf(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException.class);
    }
  }

  @Test
  void firmwareCiUploadsThroughTheCommandLine(@TempDir Path work) throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    String productId =
        api.execute(
                "mutation { createProduct(input: {name: \"CLI\", slug: \"cli\"}) { product { id } } }",
                Map.of())
            .path("createProduct")
            .path("product")
            .path("id")
            .asText();
    Path image = work.resolve("app.bin");
    java.nio.file.Files.write(image, Demo.readSample("pyb-movehub.new"));
    String url = "http://127.0.0.1:" + server.port();
    String token = server.ownerToken();
    Path previous = work.resolve("app-old.bin");
    java.nio.file.Files.write(previous, Demo.readSample("pyb-movehub.old"));
    var first = new java.io.ByteArrayOutputStream();
    assertThat(
            Firmament.run(
                List.of(
                    "firmware",
                    "upload",
                    "--product",
                    productId,
                    "--version",
                    "7.27.0",
                    "--server",
                    url,
                    "--token",
                    token,
                    "--no-wait",
                    previous.toString()),
                new java.io.PrintStream(first, true),
                new java.io.PrintStream(first, true)))
        .as(first.toString())
        .isZero();

    var out = new java.io.ByteArrayOutputStream();
    var err = new java.io.ByteArrayOutputStream();
    int code =
        Firmament.run(
            List.of(
                "firmware",
                "upload",
                "--product",
                productId,
                "--version",
                "7.28.0",
                "--server",
                url,
                "--token",
                token,
                "--json",
                image.toString()),
            new java.io.PrintStream(out, true),
            new java.io.PrintStream(err, true));
    assertThat(code).as(err.toString()).isZero();
    JsonNode uploaded = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString());
    assertThat(uploaded.path("version").asText()).isEqualTo("7.28.0");
    assertThat(uploaded.path("size").asLong()).isEqualTo(102_432L);
    assertThat(uploaded.path("sha256").asText())
        .isEqualTo(Sha256.hex(Demo.readSample("pyb-movehub.new")));
    assertThat(uploaded.path("firmwareId").asText()).isNotBlank();
    // The command waited for the delta build: one delta from the previous version, proven and
    // published, much smaller than the image; the manifest is signed with the dev key.
    assertThat(uploaded.path("signature").asText()).isNotBlank();
    assertThat(uploaded.path("deltaBuildStatus").asText()).isEqualTo("DONE");
    assertThat(uploaded.path("deltas")).hasSize(1);
    JsonNode delta = uploaded.path("deltas").get(0);
    assertThat(delta.path("fromVersion").asText()).isEqualTo("7.27.0");
    assertThat(delta.path("status").asText()).isEqualTo("PUBLISHED");
    assertThat(delta.path("format").asText()).isEqualTo("NATIVE");
    assertThat(delta.path("size").asLong()).isPositive().isLessThan(102_432L / 4);

    List<String> again =
        List.of(
            "firmware",
            "upload",
            "--product",
            productId,
            "--version",
            "7.28.0",
            "--server",
            url,
            "--token",
            token,
            image.toString());
    assertThat(Firmament.run(again, new java.io.PrintStream(out), new java.io.PrintStream(err)))
        .isEqualTo(FirmwareUploadCommand.ALREADY_EXISTS);
    List<String> unknownProduct =
        List.of(
            "firmware",
            "upload",
            "--product",
            java.util.UUID.randomUUID().toString(),
            "--version",
            "1",
            "--server",
            url,
            "--token",
            token,
            image.toString());
    assertThat(
            Firmament.run(
                unknownProduct, new java.io.PrintStream(out), new java.io.PrintStream(err)))
        .isEqualTo(FirmwareUploadCommand.REFUSED);
    List<String> missingFile =
        List.of(
            "firmware",
            "upload",
            "--product",
            productId,
            "--version",
            "2",
            "--server",
            url,
            "--token",
            token,
            work.resolve("nope.bin").toString());
    assertThat(
            Firmament.run(missingFile, new java.io.PrintStream(out), new java.io.PrintStream(err)))
        .isEqualTo(FirmwareUploadCommand.USAGE);
    // A wrong token is refused by the server with the reason, and nothing is stored.
    var refused = new java.io.ByteArrayOutputStream();
    List<String> wrongToken =
        List.of(
            "firmware",
            "upload",
            "--product",
            productId,
            "--version",
            "7.29.0",
            "--server",
            url,
            "--token",
            "fmt_not-a-real-token",
            image.toString());
    assertThat(
            Firmament.run(
                wrongToken, new java.io.PrintStream(out), new java.io.PrintStream(refused, true)))
        .isEqualTo(FirmwareUploadCommand.REFUSED);
    assertThat(refused.toString()).contains("UNAUTHENTICATED").contains("unknown token");
    assertThat(
            api.execute(
                    "query($id: ID!) { product(id: $id) { firmware { items { version } } } }",
                    Map.of("id", productId))
                .path("product")
                .path("firmware")
                .findValuesAsText("version"))
        .containsExactlyInAnyOrder("7.27.0", "7.28.0");
    assertThat(
            Firmament.run(
                List.of(
                    "firmware",
                    "upload",
                    "--server",
                    "http://127.0.0.1:1",
                    "--token",
                    token,
                    "--product",
                    "p",
                    "--version",
                    "1",
                    image.toString()),
                new java.io.PrintStream(out),
                new java.io.PrintStream(err)))
        .isEqualTo(FirmwareUploadCommand.FAILURE);
  }

  @Test
  void anAuditorExportsTheAuditLogAndVerifiesItOfflineAndATamperedExportFails(@TempDir Path work)
      throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    api.execute(
        "mutation { createProduct(input: {name: \"Audited\", slug: \"audited\"}) { product { id"
            + " } } }",
        Map.of());
    // The sealer chains new entries within about a second.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(
            () ->
                api.execute("{ login { auditLog(size: 1) { items { hash } } } }", Map.of())
                    .path("login")
                    .path("auditLog")
                    .path("items")
                    .path(0)
                    .path("hash")
                    .isTextual());
    String url = "http://127.0.0.1:" + server.port();
    Path export = work.resolve("audit.jsonl");
    var out = new java.io.ByteArrayOutputStream();
    var err = new java.io.ByteArrayOutputStream();
    assertThat(
            Firmament.run(
                List.of(
                    "audit",
                    "export",
                    "--server",
                    url,
                    "--token",
                    server.ownerToken(),
                    "--output",
                    export.toString()),
                new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true)))
        .as(err.toString())
        .isZero();
    String publicKey =
        server.context().getEnvironment().getRequiredProperty("firmament.audit.public-key");
    List<String> verify = List.of("audit", "verify", export.toString(), "--public-key", publicKey);
    out.reset();
    assertThat(
            Firmament.run(verify, new java.io.PrintStream(out, true), new java.io.PrintStream(err)))
        .as(out.toString())
        .isZero();
    assertThat(out.toString()).startsWith("intact:").contains("signatures valid");

    List<String> lines = java.nio.file.Files.readAllLines(export);
    int tampered = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"action\":\"createProduct\"")
          && lines.get(i).contains("Audited")
          && lines.get(i).contains("\"hash\":\"")) {
        lines.set(i, lines.get(i).replace("Audited", "Innocent"));
        tampered = i;
        break;
      }
    }
    assertThat(tampered).as("a sealed createProduct entry in the export").isNotNegative();
    java.nio.file.Files.write(export, lines);
    out.reset();
    assertThat(
            Firmament.run(verify, new java.io.PrintStream(out, true), new java.io.PrintStream(err)))
        .isEqualTo(AuditCommands.BROKEN);
    assertThat(out.toString()).startsWith("broken at entry").contains("was altered");
  }

  /**
   * The request that created the rollout, the rollout's and its stages' activities and every
   * device's offer are spans of one trace: the request's server span at its root, each offer the
   * child of a delivery activity of one of the rollout's stages.
   */
  private static void assertOneTraceFromTheRequestToEveryOffer(
      String jobId, List<SimulatedDeviceSpec> specs) {
    server
        .context()
        .getBean(OpenTelemetrySdk.class)
        .getSdkTracerProvider()
        .forceFlush()
        .join(10, java.util.concurrent.TimeUnit.SECONDS);
    List<SpanData> spans = SPANS.getFinishedSpanItems();
    Set<String> fleet =
        specs.stream()
            .map(SimulatedDeviceSpec::deviceId)
            .collect(java.util.stream.Collectors.toSet());
    List<SpanData> offers =
        spans.stream()
            .filter(s -> s.getName().equals("device offer"))
            .filter(
                s ->
                    fleet.contains(
                        s.getAttributes().get(AttributeKey.stringKey("firmament.device_id"))))
            .toList();
    assertThat(offers).hasSizeGreaterThanOrEqualTo(specs.size());
    assertThat(offers.stream().map(SpanData::getTraceId).distinct()).hasSize(1);
    String trace = offers.getFirst().getTraceId();
    Map<String, SpanData> byId = new java.util.HashMap<>();
    spans.stream()
        .filter(s -> s.getTraceId().equals(trace))
        .forEach(s -> byId.put(s.getSpanId(), s));
    List<SpanData> roots =
        byId.values().stream().filter(s -> !s.getParentSpanContext().isValid()).toList();
    assertThat(roots).hasSize(1);
    assertThat(roots.getFirst().getName()).isEqualTo("POST /graphql");
    assertThat(roots.getFirst().getKind()).isEqualTo(SpanKind.SERVER);
    for (SpanData offer : offers) {
      SpanData activity = byId.get(offer.getParentSpanId());
      assertThat(activity).as("the offer's parent").isNotNull();
      assertThat(activity.getName()).startsWith("activity ");
      assertThat(activity.getAttributes().get(AttributeKey.stringKey("temporal.workflow_id")))
          .startsWith("rollout/" + jobId + "/stage/");
      // Up to the root, every span is in the trace.
      SpanData at = activity;
      while (at.getParentSpanContext().isValid()) {
        at = byId.get(at.getParentSpanId());
        assertThat(at).as("an ancestor of " + offer.getSpanId()).isNotNull();
      }
    }
  }

  @Test
  void firmwareRollsOutToFiftyDevicesAndEveryImageIsVerified() throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    List<SimulatedDeviceSpec> specs = Demo.fleetSpecs("e2e", FLEET_SIZE);
    Demo.Prepared prepared = demo.prepareProduct(api, specs);
    String productId = prepared.productId();
    // Every device has a SIM, so every byte the gateway sends lands in one.
    for (int i = 0; i < specs.size(); i++) {
      api.execute(
          "mutation($i: CreateSIMInput!) { createSIM(input: $i) { sim { id } } }",
          Map.of(
              "i",
              Map.of(
                  "iccid",
                  iccid(i),
                  "imsi",
                  String.valueOf(234_150_000_000_000L + i),
                  "carrier",
                  "Acme Mobile",
                  "monthlyCapBytes",
                  10_000_000L,
                  "overagePolicy",
                  "BLOCK",
                  "deviceId",
                  specs.get(i).deviceId())));
    }
    Demo.Summary summary;
    try (FleetSimulator fleet =
        FleetSimulator.start(
            server.stack().endpoints().mqttUrl(),
            prepared.devices(),
            Demo.fleetOptions(server, prepared.productId())
                .withCloud(
                    new CloudInterface(
                        List.of("reboot", "led", "setInterval"), Map.of("uptime", "int32"))))) {
      summary =
          demo.runScenario(
              api,
              productId,
              fleet,
              new Demo.Options(FLEET_SIZE, 0, false, dataDir, 10, true, true));

      for (DeviceSnapshot device : fleet.devices()) {
        assertThat(device.currentVersion()).as(device.deviceId()).isEqualTo(Demo.TO_VERSION);
        assertThat(device.verifiedHashes()).as(device.deviceId()).isEqualTo(1);
        assertThat(device.installs()).as(device.deviceId()).isEqualTo(1);
      }

      assertOneTraceFromTheRequestToEveryOffer(summary.jobId(), specs);

      // Usage per SIM is what the gateway actually pushed: the sum over the fleet's SIMs equals
      // the gateway's own count of artifact bytes sent (resends included), and each SIM holds at
      // least its device's delta.
      server.context().getBean(UsageFlush.class).flush();
      long gatewayBytes = server.context().getBean(DeviceGateway.class).stats().bytesSent();
      JsonNode sims =
          api.execute(
                  "{ login { sims(size: 1000) { items { device { id } usage { otaBytes"
                      + " deviceReportedBytes } } } } }",
                  Map.of())
              .path("login")
              .path("sims")
              .path("items");
      assertThat(sims).hasSize(FLEET_SIZE);
      long simBytes = 0;
      for (JsonNode sim : sims) {
        long ota = sim.path("usage").path("otaBytes").asLong();
        assertThat(ota).as(sim.path("device").path("id").asText()).isPositive();
        simBytes += ota;
      }
      assertThat(gatewayBytes).isPositive();
      assertThat(simBytes).isEqualTo(gatewayBytes);
      assertThat(simBytes).isGreaterThanOrEqualTo(summary.bytesSent());

      // The device's own count (the agent's net.bytes, chunk headers and every other message
      // included) reaches its SIM with its next vitals and covers at least the artifact bytes.
      String reporter = specs.get(3).deviceId();
      fleet.agent(reporter).publishVitals().get(10, java.util.concurrent.TimeUnit.SECONDS);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                JsonNode usage =
                    api.execute(
                            "query($d: ID!) { device(id: $d) { sim { usage { otaBytes"
                                + " deviceReportedBytes } } } }",
                            Map.of("d", reporter))
                        .path("device")
                        .path("sim")
                        .path("usage");
                assertThat(usage.path("deviceReportedBytes").asLong())
                    .isGreaterThanOrEqualTo(usage.path("otaBytes").asLong())
                    .isPositive();
              });
    }

    DSLContext db = server.context().getBean(DSLContext.class);
    String expectedSha = Sha256.hex(Demo.readSample("armapp.new"));
    assertThat(summary.status()).isEqualTo("SUCCEEDED");
    assertThat(summary.succeeded()).isEqualTo(FLEET_SIZE);
    assertThat(summary.failed() + summary.timedOut() + summary.skipped()).isZero();
    // Every device reported 1.0.0, for which the pipeline published a verified delta: each got
    // the delta, never the full image.
    var published = PublishedDelta.toDemoTarget(db, productId);
    long deltaSize = published.getSizeBytes();
    assertThat(deltaSize).isPositive().isLessThan(54_356L / 4);
    // By default (firmament.delta.codec=SMALLEST) the patch is LZMA-coded where that is smaller,
    // as on this firmware, and the simulated devices, which decode LZMA, get it; its zstd
    // companion is published beside it for devices that do not.
    assertThat(published.getCodec()).isEqualTo("LZMA");
    assertThat(
            db.fetchCount(
                FIRMWARE_DELTAS,
                FIRMWARE_DELTAS
                    .TO_FIRMWARE_ID
                    .eq(published.getToFirmwareId())
                    .and(FIRMWARE_DELTAS.VARIANT.eq("ZSTD_COMPANION"))
                    .and(FIRMWARE_DELTAS.SIZE_BYTES.gt(deltaSize))))
        .isOne();
    assertThat(summary.bytesSent()).isEqualTo(FLEET_SIZE * deltaSize);
    assertThat(db.fetchCount(OTA_RESULTS, OTA_RESULTS.ARTIFACT_KIND.eq("DELTA")))
        .isEqualTo(FLEET_SIZE);
    // Each offer named the hash of the real 1.1.0 image, and each device counted a verified hash
    // only when the image it built from the delta had exactly that hash.
    assertThat(db.fetchCount(OTA_RESULTS, OTA_RESULTS.ARTIFACT_SHA256.eq(expectedSha)))
        .isEqualTo(FLEET_SIZE);

    // The Prometheus scrape says what the database says about the finished rollout: its stage's
    // device counts, its status among the rollouts, the bytes sent as deltas (read again every
    // ten seconds).
    String stageRow =
        "firmament_rollout_stage_devices{job=\"" + summary.jobId() + "\",role=\"dev\",stage=\"0\",";
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              Map<String, Double> scraped = scrape();
              var stage =
                  db.selectFrom(OTA_STAGES)
                      .where(OTA_STAGES.JOB_ID.eq(java.util.UUID.fromString(summary.jobId())))
                      .and(OTA_STAGES.STAGE_INDEX.eq(0))
                      .fetchSingle();
              assertThat(scraped.get(stageRow + "state=\"succeeded\"}"))
                  .isEqualTo((double) stage.getSucceeded())
                  .isEqualTo(FLEET_SIZE);
              assertThat(scraped.get(stageRow + "state=\"failed\"}"))
                  .isEqualTo((double) stage.getFailed());
              assertThat(scraped.get(stageRow + "state=\"assigned\"}"))
                  .isEqualTo((double) stage.getAssigned());
              assertThat(scraped.get("firmament_rollouts{role=\"dev\",status=\"SUCCEEDED\"}"))
                  .isEqualTo((double) db.fetchCount(OTA_JOBS, OTA_JOBS.STATUS.eq("SUCCEEDED")));
              assertThat(
                      scraped.get(
                          "firmament_ota_bytes_sent_bytes{artifact_kind=\"DELTA\",role=\"dev\"}"))
                  .isEqualTo(
                      db.select(org.jooq.impl.DSL.sum(OTA_RESULTS.BYTES_SENT))
                          .from(OTA_RESULTS)
                          .where(OTA_RESULTS.ARTIFACT_KIND.eq("DELTA"))
                          .fetchSingle()
                          .value1()
                          .doubleValue());
              assertThat(scraped.get("firmament_gateway_sent_bytes_total{role=\"dev\"}"))
                  .isEqualTo(
                      (double) server.context().getBean(DeviceGateway.class).stats().bytesSent());
              assertThat(scraped)
                  .containsKey(
                      "firmament_rollout_stage_failure_threshold{job=\""
                          + summary.jobId()
                          + "\",role=\"dev\",stage=\"0\"}");
              // The Temporal SDK's own meters, which the dashboard in deploy/grafana reads.
              assertThat(scraped.keySet())
                  .anyMatch(
                      k -> k.startsWith("temporal_workflow_task_execution_latency_seconds_count{"))
                  .anyMatch(
                      k ->
                          k.startsWith("temporal_activity_execution_latency_seconds_sum{")
                              && k.contains("activity_type="));
            });

    // The seed's ListOTAJobs query, verbatim.
    JsonNode jobs =
        api.execute(
                """
                query ListOTAJobs($productId: ID!) { product(id: $productId) { firmwareOTAJobs { id targetVersion status startedAt results { deviceId success updatedAt } } } }""",
                Map.of("productId", productId))
            .path("product")
            .path("firmwareOTAJobs");
    assertThat(jobs).hasSize(1);
    assertThat(jobs.get(0).path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(jobs.get(0).path("targetVersion").asText()).isEqualTo(Demo.TO_VERSION);
    assertThat(jobs.get(0).path("results")).hasSize(FLEET_SIZE);
    jobs.get(0).path("results").forEach(r -> assertThat(r.path("success").asBoolean()).isTrue());

    assertThat(db.fetchCount(OTA_RESULTS, OTA_RESULTS.STATE.eq("SUCCEEDED"))).isEqualTo(FLEET_SIZE);
    assertThat(db.fetchCount(DEVICES, DEVICES.FIRMWARE_VERSION.eq(Demo.TO_VERSION)))
        .isEqualTo(FLEET_SIZE);
    // Every device went through the whole state machine, each step recorded once, in order.
    for (String deviceId : db.select(DEVICES.ID).from(DEVICES).fetch(DEVICES.ID)) {
      List<String> states =
          db.select(OTA_RESULT_HISTORY.STATE)
              .from(OTA_RESULT_HISTORY)
              .where(OTA_RESULT_HISTORY.DEVICE_ID.eq(deviceId))
              .orderBy(OTA_RESULT_HISTORY.ID)
              .fetch(OTA_RESULT_HISTORY.STATE);
      assertThat(states)
          .as(deviceId)
          .containsExactly(
              "QUEUED", "SENT", "DOWNLOADING", "VERIFYING", "INSTALLING", "REBOOTING", "SUCCEEDED");
    }

    JsonNode device =
        api.execute(
                "query D($id: ID!) { device(id: $id) { id online firmwareVersion { version }"
                    + " info { platform hardware radio bootloaderVersion systemVersion reportedAt } } }",
                Map.of("id", "e2e-00007"))
            .path("device");
    assertThat(device.path("firmwareVersion").path("version").asText()).isEqualTo(Demo.TO_VERSION);
    // What the simulated device said about itself in its presence, as it said it.
    JsonNode info = device.path("info");
    assertThat(info.path("platform").asText()).isEqualTo("firmament-sim");
    assertThat(info.path("hardware").asText()).isEqualTo("ab-2slot rev1");
    assertThat(info.path("radio").isNull()).isTrue();
    assertThat(info.path("bootloaderVersion").asText()).isEqualTo("simboot 1.0");
    assertThat(info.path("systemVersion").asText()).isEqualTo("sim-os 1.0");
    assertThat(info.path("reportedAt").asText()).isNotBlank();

    // The seed's GetDevice, verbatim: what the device declared in its presence, in its order.
    JsonNode seed =
        api.execute(
                "query GetDevice($deviceId: ID!) { device(id: $deviceId) { id name online lastHeard"
                    + " firmwareVersion { version title } variables { name type } functions { name }"
                    + " } }",
                Map.of("deviceId", "e2e-00007"))
            .path("device");
    assertThat(seed.path("functions").findValuesAsText("name"))
        .containsExactly("reboot", "led", "setInterval");
    assertThat(seed.path("variables").get(0).path("name").asText()).isEqualTo("uptime");
    assertThat(seed.path("variables").get(0).path("type").asText()).isEqualTo("int32");
  }

  /** The dev server's Prometheus scrape, as series (name and labels) to value. */
  private static Map<String, Double> scrape() throws Exception {
    String body =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            "http://127.0.0.1:" + server.port() + "/actuator/prometheus"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Double> series = new java.util.HashMap<>();
    for (String line : body.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        int space = line.lastIndexOf(' ');
        series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return series;
  }
}
