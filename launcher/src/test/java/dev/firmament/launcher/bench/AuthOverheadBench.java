package dev.firmament.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.security.signature.RequestSigner;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.launcher.Demo;
import dev.firmament.launcher.DevServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cost of the API's credential checks, side by side in one run: the seed query {@code
 * ListProductDevices} (100 devices, page of 100) at a fixed request rate, with a bearer token and
 * with an RFC 9421 signed request, and, as the floor, a request refused at the token check (what
 * the server spends before any GraphQL runs). Prints p50/p90/p99 latency per mode; the modes run in
 * rounds, interleaved, so machine noise hits all of them alike.
 *
 * <p>Usage: {@code bench/api/run.sh [RATE] [SECONDS]} (defaults 100 requests/s, 10 s per round).
 */
public final class AuthOverheadBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String QUERY =
      "query ListProductDevices($productId: ID!, $page: Int, $perPage: Int) { product(id:"
          + " $productId) { id name devices(page: $page, perPage: $perPage) { id name online lastIp"
          + " deviceGroup { name } } } }";

  private AuthOverheadBench() {}

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Path data = Files.createTempDirectory("firmament-auth-bench");
    // The per-caller rate limit (50/s by default) would otherwise answer most requests with 429.
    Map<String, String> settings =
        Map.of(
            "firmament.api.rate-limit.requests-per-second", "100000",
            "firmament.api.rate-limit.burst", "100000");
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(data), 0, settings)) {
      String token = server.ownerToken();
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), token);
      String productId =
          new Demo(System.err).prepareProduct(api, Demo.fleetSpecs("bench", 100)).productId();
      JsonNode key =
          api.execute(
                  "mutation { createSigningKey(input: {name: \"bench\"}) { secret signingKey {"
                      + " keyId } } }",
                  Map.of())
              .path("createSigningKey");
      RequestSigner signer =
          new RequestSigner(
              key.path("signingKey").path("keyId").asText(), key.path("secret").asText());
      URI endpoint = URI.create(server.graphqlUrl());
      byte[] body =
          JSON.writeValueAsBytes(
              Map.of(
                  "query",
                  QUERY,
                  "variables",
                  Map.of("productId", productId, "page", 1, "perPage", 100)));
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

      Map<String, Mode> modes = new java.util.LinkedHashMap<>();
      modes.put(
          "bearer token",
          () -> post(http, endpoint, body, Map.of("Authorization", "Bearer " + token)));
      modes.put(
          "signed request",
          () ->
              post(
                  http,
                  endpoint,
                  body,
                  signer.sign(
                      "POST", endpoint, "application/json", body, Instant.now().getEpochSecond())));
      modes.put(
          "refused at the token check",
          () ->
              post(http, endpoint, body, Map.of("Authorization", "Bearer fmt_" + "x".repeat(43))));

      System.err.printf("warming up (%d s per mode)...%n", Math.max(2, seconds / 2));
      for (Mode mode : modes.values()) {
        run(mode, rate, Math.max(2, seconds / 2));
      }
      Map<String, List<Long>> samples = new java.util.LinkedHashMap<>();
      for (int round = 1; round <= 3; round++) {
        for (var entry : modes.entrySet()) {
          System.err.printf(
              "round %d/3: %s at %d requests/s for %d s%n", round, entry.getKey(), rate, seconds);
          samples
              .computeIfAbsent(entry.getKey(), k -> new ArrayList<>())
              .addAll(run(entry.getValue(), rate, seconds));
        }
      }
      System.out.printf(
          "ListProductDevices (100 devices) at %d requests/s, 3 x %d s per mode%n", rate, seconds);
      System.out.printf(
          "%-28s %8s %8s %8s %8s %6s%n", "mode", "n", "p50 ms", "p90 ms", "p99 ms", "errors");
      for (var entry : samples.entrySet()) {
        List<Long> nanos = entry.getValue();
        long errors = nanos.stream().filter(n -> n < 0).count();
        List<Long> ok = new ArrayList<>(nanos.stream().filter(n -> n >= 0).toList());
        Collections.sort(ok);
        System.out.printf(
            "%-28s %8d %8.2f %8.2f %8.2f %6d%n",
            entry.getKey(), ok.size(), pct(ok, 50), pct(ok, 90), pct(ok, 99), errors);
      }
      // The token check alone, in process: one indexed lookup of the token's SHA-256 with its
      // holder's role (no last-use write, which happens at most once a minute).
      var introspector = server.context().getBean(dev.firmament.api.access.TokenIntrospector.class);
      for (int i = 0; i < 2_000; i++) {
        introspector.resolve(token);
      }
      int calls = 20_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        introspector.resolve(token);
      }
      System.out.printf(
          "token check in process: %.1f us per request (%d calls)%n",
          (System.nanoTime() - t0) / 1e3 / calls, calls);
      // The signature check alone, without the nonce's insert: parse, digest and HMAC.
      long s0 = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        Map<String, String> headers =
            signer.sign("POST", endpoint, "application/json", body, Instant.now().getEpochSecond());
        var parsed =
            dev.firmament.api.security.signature.SignedRequest.parse(
                new dev.firmament.api.security.signature.SignedRequest.Message(
                    "POST",
                    endpoint.toString(),
                    endpoint.getAuthority(),
                    endpoint.getPath(),
                    null,
                    "http",
                    name ->
                        switch (name) {
                          case "content-type" -> List.of("application/json");
                          case "content-digest" -> List.of(headers.get("Content-Digest"));
                          default -> List.of();
                        },
                    body),
                headers.get("Signature-Input"),
                headers.get("Signature"),
                Instant.now(),
                Duration.ofMinutes(5));
        if (parsed.keyId().isEmpty()) {
          throw new IllegalStateException("no key id");
        }
      }
      System.out.printf(
          "signing and checking a request in process (no database): %.1f us per request%n",
          (System.nanoTime() - s0) / 1e3 / calls);
    }
  }

  @FunctionalInterface
  interface Mode {
    /** Sends one request; true when it was answered as this mode expects. */
    boolean send() throws Exception;
  }

  private static boolean post(
      HttpClient http, URI endpoint, byte[] body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(
        (name, value) -> {
          if (!name.equalsIgnoreCase("Content-Type")) {
            request.header(name, value);
          }
        });
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (headers.getOrDefault("Authorization", "").startsWith("Bearer fmt_xxx")) {
      return response.statusCode() == 401;
    }
    return response.statusCode() == 200 && !response.body().contains("\"errors\"");
  }

  /** Latencies in nanoseconds at a fixed arrival rate; a failed request counts as -1. */
  private static List<Long> run(Mode mode, int rate, int seconds) throws InterruptedException {
    ConcurrentLinkedQueue<Long> out = new ConcurrentLinkedQueue<>();
    AtomicInteger outstanding = new AtomicInteger();
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    var workers = Executors.newVirtualThreadPerTaskExecutor();
    long period = 1_000_000_000L / rate;
    clock.scheduleAtFixedRate(
        () -> {
          outstanding.incrementAndGet();
          workers.execute(
              () -> {
                long t0 = System.nanoTime();
                boolean ok;
                try {
                  ok = mode.send();
                } catch (Exception e) {
                  ok = false;
                }
                out.add(ok ? System.nanoTime() - t0 : -1L);
                outstanding.decrementAndGet();
              });
        },
        0,
        period,
        TimeUnit.NANOSECONDS);
    Thread.sleep(seconds * 1000L);
    clock.shutdownNow();
    while (outstanding.get() > 0) {
      Thread.sleep(10);
    }
    workers.shutdown();
    return new ArrayList<>(out);
  }

  private static double pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
  }
}
