package dev.firmament.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.OfferVerifier;
import dev.firmament.agent.ReferenceCloud;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.cli.GraphqlClient.GraphqlException;
import dev.firmament.cli.ProgressLine;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * {@code firmament demo}: the whole stack in one process, a simulated fleet, two real firmware
 * images uploaded through the API, and a rollout watched live until it ends.
 */
public final class Demo {
  static final String PRODUCT_SLUG = "demo-sensor";
  static final String FROM_VERSION = "1.0.0";
  static final String TO_VERSION = "1.1.0";

  /** Options of the demo command. */
  public record Options(
      int devices,
      int port,
      boolean fresh,
      Path dataDir,
      int maxInFlight,
      boolean exitWhenDone,
      boolean freePorts) {}

  /**
   * What a finished rollout looked like.
   *
   * @param bytesSent the server's count of artifact bytes over both paths
   * @param bytesByTransport that count by how the bytes went ({@code MQTT}, {@code HTTPS}), for the
   *     transports some device used
   */
  public record Summary(
      String jobId,
      String status,
      int total,
      int succeeded,
      int skipped,
      int failed,
      int timedOut,
      long bytesSent,
      Map<String, Long> bytesByTransport,
      Duration wallTime) {}

  /**
   * The share of the demo's fleet that downloads its updates over HTTPS from the embedded S3 server
   * (every second device); the others take MQTT chunks from the workers.
   */
  static final double HTTPS_SHARE = 0.5;

  private final PrintStream out;

  public Demo(PrintStream out) {
    this.out = out;
  }

  public int run(Options options) throws InterruptedException {
    long started = System.nanoTime();
    out.printf("firmament demo: starting the embedded stack (data in %s)%n", options.dataDir());
    DevStackOptions stackOptions =
        options.freePorts()
            ? DevStackOptions.onFreePorts(options.dataDir()).withFresh(options.fresh())
            : DevStackOptions.defaults()
                .withDataDir(options.dataDir())
                .withFresh(options.fresh())
                .withTemporalPort(FreePorts.orPick(DevStackOptions.DEFAULT_TEMPORAL_PORT))
                .withMqttPort(FreePorts.orPick(DevStackOptions.DEFAULT_MQTT_PORT));
    // The demo closes the stack itself, after its fleet and its server (see its shutdown hook).
    stackOptions = stackOptions.withoutPostgresExitHook();
    try (DevServer server = DevServer.start(stackOptions, options.port(), Map.of())) {
      printEndpoints(server);
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      printToken(server, options);
      List<SimulatedDeviceSpec> specs = fleetSpecs("demo", options.devices());
      Prepared prepared = prepareProduct(api, specs);
      // The fleet stays connected while the demo serves, so that its devices answer calls and
      // keep publishing events.
      try (FleetSimulator fleet = startFleet(server, prepared)) {
        Summary summary = runScenario(api, prepared.productId(), fleet, options);
        printSummary(summary, Duration.ofNanos(System.nanoTime() - started));
        if (options.exitWhenDone()) {
          return "SUCCEEDED".equals(summary.status()) ? 0 : 1;
        }
        out.printf(
            "%nServing GraphQL at http://localhost:%d/graphql, the operator console at"
                + " http://localhost:%d/console (sign in with the token above) and GraphiQL at"
                + " http://localhost:%d/graphiql. Press Ctrl-C to stop.%n",
            server.port(), server.port(), server.port());
        printDeviceCloud(server, options, prepared.devices().getFirst().deviceId());
        // Ctrl-C: the hook wakes this thread, which closes the fleet (its devices say goodbye
        // while the workers still listen), then the server and the embedded services; the hook
        // waits for that, so the JVM does not halt half way.
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      stop.countDown();
                      try {
                        closed.await(60, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    },
                    "demo-shutdown"));
        closeAfter = closed;
        stop.await();
        return 0;
      }
    } finally {
      if (closeAfter != null) {
        closeAfter.countDown();
      }
    }
  }

  /** Counted down once the demo closed everything, for its shutdown hook to wait on. */
  private CountDownLatch closeAfter;

  /** How to reach the demo's devices: a function call and the event stream. */
  private void printDeviceCloud(DevServer server, Options options, String device) {
    out.printf(
        "The devices stay connected: call one (GraphiQL)%n"
            + "  mutation { callFunction(deviceId: \"%s\", name: \"led\", argument: \"on\") {"
            + " returnValue connected calledAt } }%n"
            + "or watch their events (a temperature every %d s each, and the cloud's own):%n"
            + "  curl -N -H \"Authorization: Bearer $(cat %s)\" http://localhost:%d/api/v1/events%n",
        device,
        DEMO_EVENT_INTERVAL.toSeconds(),
        DevServer.tokenFile(options.dataDir()),
        server.port());
  }

  /** How often each demo device publishes its temperature. */
  static final Duration DEMO_EVENT_INTERVAL = Duration.ofSeconds(10);

  /** How often each demo device reports its vitals (besides once after every start). */
  static final Duration DEMO_VITALS_INTERVAL = Duration.ofSeconds(30);

  private void printToken(DevServer server, Options options) {
    out.printf(
        "  token     %s (owner %s, every scope; kept in %s)%n",
        server.ownerToken(), DevServer.DEMO_OWNER, DevServer.tokenFile(options.dataDir()));
    out.printf(
        "            GraphiQL: add the header {\"Authorization\": \"Bearer <token>\"}; CLI:"
            + " export FIRMAMENT_TOKEN=$(cat %s)%n",
        DevServer.tokenFile(options.dataDir()));
  }

  private void printEndpoints(DevServer server) {
    var endpoints = server.stack().endpoints();
    out.printf("  postgres  %s%n", endpoints.jdbcUrl());
    out.printf(
        "  temporal  %s (namespace %s)%n",
        endpoints.temporalTarget(), endpoints.temporalNamespace());
    out.printf(
        "  s3        %s (devices download from %s, certificate %s)%n",
        endpoints.s3Endpoint(), endpoints.s3PublicEndpoint(), endpoints.s3Certificate());
    out.printf("  mqtt      %s%n", endpoints.mqttUrl());
    out.printf("  graphql   http://localhost:%d/graphql%n", server.port());
  }

  /**
   * Fleet options as a real fleet would have them: every offer's signature is verified, and a
   * signed build must be one of the devices' own product; every device declares the reference
   * device's functions and variables ({@link ReferenceCloud}).
   */
  public static FleetOptions fleetOptions(DevServer server, String productId) {
    return fleetOptions(server.signingPublicKey(), productId);
  }

  /** As {@link #fleetOptions(DevServer, String)}, with the release key given. */
  public static FleetOptions fleetOptions(String signingPublicKey, String productId) {
    return FleetOptions.defaults()
        .withOfferVerifier(OfferVerifier.ed25519(signingPublicKey, UUID.fromString(productId)))
        .withCloud(ReferenceCloud.INTERFACE);
  }

  /**
   * The demo fleet's HTTPS devices: {@link #HTTPS_SHARE} of them, trusting the certificate of the
   * dev stack's S3 server, which the links they are handed name.
   */
  public static FleetOptions.HttpsFleet httpsFleet(DevServer server) {
    return new FleetOptions.HttpsFleet(HTTPS_SHARE, server.stack().endpoints().s3Certificate());
  }

  /**
   * The demo fleet's single-slot devices: one in five, with 64 KiB of their slot free above the
   * image, half of them losing power once while they rewrite it; they take in-place patches, as
   * chunks.
   */
  static final FleetOptions.InPlaceFleet SINGLE_SLOT =
      new FleetOptions.InPlaceFleet(0.2, 4096, 64 * 1024, 0.5);

  private FleetSimulator startFleet(DevServer server, Prepared prepared) {
    List<SimulatedDeviceSpec> specs = prepared.devices();
    FleetOptions.HttpsFleet https = httpsFleet(server);
    long singleSlot = IntStream.range(0, specs.size()).filter(SINGLE_SLOT::singleSlot).count();
    long overHttps =
        IntStream.range(0, specs.size())
            .filter(i -> https.downloads(i) && !SINGLE_SLOT.singleSlot(i))
            .count();
    out.printf(
        "fleet: connecting %d simulated devices on %s (%d download over HTTPS, %d over MQTT;"
            + " %d of those have one slot, rewritten in place)%n",
        specs.size(), FROM_VERSION, overHttps, specs.size() - overHttps, singleSlot);
    ProgressLine progress = ProgressLine.forStdout();
    FleetSimulator fleet =
        FleetSimulator.start(
            server.stack().endpoints().mqttUrl(),
            specs,
            fleetOptions(server, prepared.productId())
                .withHttps(https)
                .withInPlace(SINGLE_SLOT)
                .withEventInterval(DEMO_EVENT_INTERVAL)
                .withVitalsInterval(DEMO_VITALS_INTERVAL)
                .withProgress(p -> progress.show(p.connected(), p.total(), "connected", false)));
    progress.finish();
    return fleet;
  }

  /**
   * Simulated devices that run the real 1.0.0 image in their active slot (shared, not copied), so
   * that they can apply a delta to it.
   */
  public static List<SimulatedDeviceSpec> fleetSpecs(String prefix, int count) {
    return SimulatedDeviceSpec.numbered(prefix, count, FROM_VERSION, readSample("armapp.old"));
  }

  /**
   * Creates the demo product and registers the fleet's devices through the API, before the devices
   * connect: a presence message from a device nobody registered is ignored.
   */
  public Prepared prepareProduct(GraphqlClient api, List<SimulatedDeviceSpec> specs) {
    String productId = ensureProduct(api);
    Map<String, String> secrets =
        registerDevices(api, productId, specs.stream().map(SimulatedDeviceSpec::deviceId).toList());
    List<SimulatedDeviceSpec> withCredentials =
        specs.stream()
            .map(s -> s.withCredentials(s.deviceId(), secrets.get(s.deviceId())))
            .toList();
    return new Prepared(productId, withCredentials);
  }

  /** The demo product, and the fleet with the broker credentials its registration issued. */
  public record Prepared(String productId, List<SimulatedDeviceSpec> devices) {}

  /**
   * Uploads the firmware through the API once the fleet is online, then runs and watches a rollout.
   */
  public Summary runScenario(
      GraphqlClient api, String productId, FleetSimulator fleet, Options options)
      throws InterruptedException {
    awaitFleetReported(api, fleet.size());
    uploadIfMissing(api, productId, FROM_VERSION, "armapp.old");
    uploadIfMissing(api, productId, TO_VERSION, "armapp.new");
    awaitDeltas(api, productId);

    long started = System.nanoTime();
    JsonNode job = createJob(api, productId, options.maxInFlight());
    String jobId = job.path("id").asText();
    int total = job.path("totalDevices").asInt();
    out.printf(
        "rollout %s: %s -> %s on %d devices, at most %d at a time%n",
        jobId, FROM_VERSION, TO_VERSION, total, options.maxInFlight());
    return watch(api, jobId, started);
  }

  /**
   * Creates the demo's rollout: every device of the product to {@link #TO_VERSION}, at most {@code
   * maxInFlight} at a time. Returns the job's id, status and device count.
   */
  static JsonNode createJob(GraphqlClient api, String productId, int maxInFlight) {
    return api.execute(
            """
            mutation Roll($input: CreateOTAJobInput!) {
              createOTAJob(input: $input) { job { id status totalDevices } }
            }""",
            Map.of(
                "input",
                Map.of(
                    "productId", productId,
                    "targetVersion", TO_VERSION,
                    "maxInFlight", maxInFlight)))
        .path("createOTAJob")
        .path("job");
  }

  /**
   * Watches the rollout as an operator would: its progress pushed by the API ({@code
   * rolloutProgress} over Server-Sent Events), one line redrawn per event, until its final status.
   */
  private Summary watch(GraphqlClient api, String jobId, long startedNanos) {
    ProgressLine progress = ProgressLine.forStdout();
    JsonNode[] last = new JsonNode[1];
    api.subscribe(
        """
        subscription Watch($id: ID!) {
          rolloutProgress(id: $id) {
            status finishedPerSecond
            job { totalDevices }
            progress { queued inProgress succeeded failed skipped timedOut }
          }
        }""",
        Map.of("id", jobId),
        data -> {
          JsonNode event = data.path("rolloutProgress");
          last[0] = event;
          JsonNode p = event.path("progress");
          int total = event.path("job").path("totalDevices").asInt();
          int done =
              p.path("succeeded").asInt()
                  + p.path("failed").asInt()
                  + p.path("skipped").asInt()
                  + p.path("timedOut").asInt();
          String status = event.path("status").asText();
          boolean finished = isFinal(status);
          progress.show(
              done,
              total,
              String.format(
                  "%s  updated %d  failed %d  in progress %d  %.0f/s  %.1f s",
                  status,
                  p.path("succeeded").asInt(),
                  p.path("failed").asInt() + p.path("timedOut").asInt(),
                  p.path("inProgress").asInt(),
                  event.path("finishedPerSecond").asDouble(0),
                  (System.nanoTime() - startedNanos) / 1e9),
              finished);
          return !finished;
        });
    progress.finish();
    JsonNode event = last[0];
    if (event == null || !isFinal(event.path("status").asText())) {
      throw new IllegalStateException("the rollout's progress stream ended before the rollout");
    }
    JsonNode p = event.path("progress");
    int total = event.path("job").path("totalDevices").asInt();
    Bytes bytes = bytesSent(api, jobId, total);
    return new Summary(
        jobId,
        event.path("status").asText(),
        total,
        p.path("succeeded").asInt(),
        p.path("skipped").asInt(),
        p.path("failed").asInt(),
        p.path("timedOut").asInt(),
        bytes.total(),
        bytes.byTransport(),
        Duration.ofNanos(System.nanoTime() - startedNanos));
  }

  static boolean isFinal(String status) {
    return switch (status) {
      case "SUCCEEDED", "FAILED", "ABORTED", "CANCELED", "ROLLED_BACK", "INTERRUPTED" -> true;
      default -> false;
    };
  }

  /**
   * The server's count of a job's artifact bytes.
   *
   * @param total over every result
   * @param byTransport by how they went, MQTT first, for the transports some device used
   */
  record Bytes(long total, Map<String, Long> byTransport) {}

  static Bytes bytesSent(GraphqlClient api, String jobId, int total) {
    long sum = 0;
    Map<String, Long> bytes = new TreeMap<>(Comparator.reverseOrder());
    for (int from = 0; from < total; from += 1000) {
      JsonNode results =
          api.execute(
                  """
                  query Bytes($id: ID!, $from: Int, $size: Int) {
                    firmwareOTAJob(id: $id) {
                      results(from: $from, size: $size) { bytesSent transport }
                    }
                  }""",
                  Map.of("id", jobId, "from", from, "size", 1000))
              .path("firmwareOTAJob")
              .path("results");
      for (JsonNode result : results) {
        long sent = result.path("bytesSent").asLong();
        sum += sent;
        // A result without a transport is one whose device took no offer yet: nothing went.
        String transport = result.path("transport").asText("");
        if (!transport.isEmpty()) {
          bytes.merge(transport, sent, Long::sum);
        }
      }
    }
    return new Bytes(sum, Collections.unmodifiableMap(bytes));
  }

  private void printSummary(Summary s, Duration sinceStart) {
    out.printf(
        "%nrollout %s %s: updated %d, already current %d, failed %d, timed out %d of %d devices;"
            + " %,d bytes sent%s; rollout wall time %.1f s (demo total %.1f s)%n",
        s.jobId(),
        s.status(),
        s.succeeded(),
        s.skipped(),
        s.failed(),
        s.timedOut(),
        s.total(),
        s.bytesSent(),
        byTransport(s.bytesByTransport()),
        s.wallTime().toMillis() / 1000.0,
        sinceStart.toMillis() / 1000.0);
  }

  /** {@code " (191,550 over MQTT, 191,550 over HTTPS)"}, or nothing when no byte went. */
  static String byTransport(Map<String, Long> bytes) {
    if (bytes.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    bytes.forEach((transport, count) -> parts.add(String.format("%,d over %s", count, transport)));
    return " (" + String.join(", ", parts) + ")";
  }

  private String ensureProduct(GraphqlClient api) {
    JsonNode products =
        api.execute(
            "query($slug: String) { login { products(filter: {slug: $slug}) { items { id slug } } } }",
            Map.of("slug", PRODUCT_SLUG));
    for (JsonNode product : products.path("login").path("products").path("items")) {
      if (PRODUCT_SLUG.equals(product.path("slug").asText())) {
        return product.path("id").asText();
      }
    }
    return api.execute(
            """
            mutation P($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }""",
            Map.of("input", Map.of("name", "Demo sensor", "slug", PRODUCT_SLUG)))
        .path("createProduct")
        .path("product")
        .path("id")
        .asText();
  }

  /**
   * Registers the devices the product does not know yet and issues new credentials for the ones it
   * does (the demo's devices are simulated afresh on every run, so they hold no earlier secret).
   * Returns each device's broker secret.
   */
  private Map<String, String> registerDevices(
      GraphqlClient api, String productId, List<String> ids) {
    Set<String> known = new HashSet<>();
    for (int page = 1; ; page++) {
      JsonNode devices =
          api.execute(
                  "query D($id: ID!, $page: Int) { product(id: $id) { devices(page: $page, perPage: 1000) { id } } }",
                  Map.of("id", productId, "page", page))
              .path("product")
              .path("devices");
      devices.forEach(d -> known.add(d.path("id").asText()));
      if (devices.size() < 1000) {
        break;
      }
    }
    List<Map<String, String>> missing = new ArrayList<>();
    for (String id : ids) {
      if (!known.contains(id)) {
        missing.add(Map.of("id", id, "name", "Demo sensor " + id.substring(id.indexOf('-') + 1)));
      }
    }
    Map<String, String> secrets = new HashMap<>();
    for (int i = 0; i < missing.size(); i += 1000) {
      JsonNode credentials =
          api.execute(
                  """
                  mutation R($input: RegisterDevicesInput!) {
                    registerDevices(input: $input) { credentials { deviceId mqttPassword } }
                  }""",
                  Map.of(
                      "input",
                      Map.of(
                          "productId",
                          productId,
                          "devices",
                          missing.subList(i, Math.min(missing.size(), i + 1000)))))
              .path("registerDevices")
              .path("credentials");
      credentials.forEach(
          c -> secrets.put(c.path("deviceId").asText(), c.path("mqttPassword").asText()));
    }
    for (String id : ids) {
      if (!secrets.containsKey(id)) {
        secrets.put(
            id,
            api.execute(
                    """
                    mutation Rotate($id: ID!) {
                      rotateDeviceCredential(input: {deviceId: $id}) { credential { mqttPassword } }
                    }""",
                    Map.of("id", id))
                .path("rotateDeviceCredential")
                .path("credential")
                .path("mqttPassword")
                .asText());
      }
    }
    return secrets;
  }

  /** Waits until every simulated device's presence (online, on the old version) is recorded. */
  void awaitFleetReported(GraphqlClient api, int devices) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      int ready = 0;
      for (int from = 0; ; from += 1000) {
        JsonNode page =
            api.execute(
                    """
                    query F($from: Int) {
                      login { devices(from: $from, size: 1000) { hasMore items { online firmwareVersion { version } } } }
                    }""",
                    Map.of("from", from))
                .path("login")
                .path("devices");
        for (JsonNode d : page.path("items")) {
          if (d.path("online").asBoolean()
              && FROM_VERSION.equals(d.path("firmwareVersion").path("version").asText())) {
            ready++;
          }
        }
        if (!page.path("hasMore").asBoolean()) {
          break;
        }
      }
      if (ready >= devices) {
        out.printf("fleet: %d devices online on %s%n", ready, FROM_VERSION);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "only " + ready + " of " + devices + " devices reported their presence in 60 s");
      }
      Thread.sleep(200);
    }
  }

  /** Waits until the delta pipeline has settled the new version, then says what it built. */
  void awaitDeltas(GraphqlClient api, String productId) throws InterruptedException {
    awaitDeltas(api, productId, TO_VERSION);
  }

  /** Waits until the delta build of {@code version} is done and prints its deltas. */
  void awaitDeltas(GraphqlClient api, String productId, String version)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      JsonNode firmware =
          api.execute(
                  """
                  query Deltas($id: ID!) {
                    product(id: $id) {
                      firmware {
                        items {
                          version signature deltaBuildStatus
                          deltas { fromVersion format size status }
                        }
                      }
                    }
                  }""",
                  Map.of("id", productId))
              .path("product")
              .path("firmware")
              .path("items");
      for (JsonNode f : firmware) {
        if (!version.equals(f.path("version").asText())) {
          continue;
        }
        String status = f.path("deltaBuildStatus").asText();
        if (!status.equals("PENDING")) {
          // The delta build's first step signs the build, so by now it is signed or never will be.
          if (f.path("signature").isNull() || f.path("signature").isMissingNode()) {
            // Kept from a run of an older build, or uploaded without a signing key: the simulated
            // devices accept signed offers only, so the rollout could only fail.
            throw new IllegalStateException(
                "firmware "
                    + version
                    + " in the demo's data directory is unsigned (uploaded by an older version or"
                    + " without a signing key) and the devices would refuse it; run the demo with"
                    + " --fresh to start from empty data");
          }
          for (JsonNode d : f.path("deltas")) {
            out.printf(
                "delta: %s -> %s %s, %,d bytes (%s)%n",
                d.path("fromVersion").asText(),
                version,
                d.path("format").asText(),
                d.path("size").asLong(),
                d.path("status").asText());
          }
          if (!status.equals("DONE")) {
            out.printf("delta build %s: devices get the full image%n", status);
          }
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        out.println("delta build still pending after 120 s: devices may get the full image");
        return;
      }
      Thread.sleep(200);
    }
  }

  void uploadIfMissing(GraphqlClient api, String productId, String version, String image) {
    uploadIfMissing(api, productId, version, image, readSample(image));
  }

  /** Uploads {@code bytes} as {@code version}, titled {@code image}, unless it exists already. */
  void uploadIfMissing(
      GraphqlClient api, String productId, String version, String image, byte[] bytes) {
    try {
      JsonNode firmware =
          api.execute(
                  """
                  mutation U($input: UploadFirmwareInput!) {
                    uploadFirmware(input: $input) { firmware { id version sha256 size } }
                  }""",
                  Map.of(
                      "input",
                      Map.of(
                          "productId", productId,
                          "version", version,
                          "title", image,
                          "contentBase64", Base64.getEncoder().encodeToString(bytes))))
              .path("uploadFirmware")
              .path("firmware");
      out.printf(
          "firmware: uploaded %s from %s (%,d bytes, sha256 %s)%n",
          version, image, firmware.path("size").asLong(), firmware.path("sha256").asText());
    } catch (GraphqlException e) {
      if (!"ALREADY_EXISTS".equals(e.code())) {
        throw e;
      }
      out.printf("firmware: %s already uploaded%n", version);
    }
  }

  static byte[] readSample(String name) {
    try (InputStream in = Demo.class.getResourceAsStream("/firmware-samples/" + name)) {
      if (in == null) {
        throw new IllegalStateException("firmware sample " + name + " is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read firmware sample " + name, e);
    }
  }
}
