package dev.firmament.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The load generator of the API benchmark, in a process of its own beside {@link ApiBenchServer}:
 * each query at a fixed arrival rate (open loop: a request's latency counts from the moment it was
 * due, so a server that falls behind shows it), then {@code SUBSCRIBERS} live subscribers to the
 * running rollout's progress while the benchmark moves that rollout on by SQL, measuring for each
 * subscriber how long after a commit it received the progress that shows it.
 *
 * <p>Usage (by bench/api/queries.sh): {@code ApiQueryBench INFO_FILE RATE SECONDS SUBSCRIBERS};
 * {@code RATE} 0 runs the subscribers only.
 */
public final class ApiQueryBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiQueryBench() {}

  public static void main(String[] args) throws Exception {
    Properties info = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      info.load(in);
    }
    int rate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int subscribers = Integer.parseInt(args[3]);
    URI endpoint = URI.create(info.getProperty("url"));
    String token = info.getProperty("token");
    int devices = Integer.parseInt(info.getProperty("devices"));
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
    Random random = new Random(42);

    Map<String, Function<Integer, Map<String, Object>>> queries = new LinkedHashMap<>();
    queries.put(
        "ListProductDevices (seed; page of 100)",
        i ->
            request(
                "query ListProductDevices($productId: ID!, $page: Int, $perPage: Int) { product(id:"
                    + " $productId) { id name devices(page: $page, perPage: $perPage) { id name"
                    + " online lastIp deviceGroup { name } } } }",
                Map.of(
                    "productId",
                    info.getProperty("product"),
                    "page",
                    1 + random.nextInt(devices / 100),
                    "perPage",
                    100)));
    queries.put(
        "ListOTAJobs (seed; 5 rollouts of 10 devices)",
        i ->
            request(
                "query ListOTAJobs($productId: ID!) { product(id: $productId) { firmwareOTAJobs {"
                    + " id targetVersion status startedAt results { deviceId success updatedAt } }"
                    + " } }",
                Map.of("productId", info.getProperty("smallProduct"))));
    queries.put(
        "GetDevice (seed, verbatim)",
        i ->
            request(
                "query GetDevice($deviceId: ID!) { device(id: $deviceId) { id name online"
                    + " lastHeard firmwareVersion { version title } variables { name type }"
                    + " functions { name } } }",
                Map.of(
                    "deviceId",
                    info.getProperty("devicePrefix")
                        + String.format("%06d", 1 + random.nextInt(devices)))));
    queries.put(
        "login.devices (page of 100 at a random offset)",
        i ->
            request(
                "query($from: Int) { login { devices(from: $from, size: 100) { total hasMore last"
                    + " items { id name online firmwareVersion { version } } } } }",
                Map.of("from", random.nextInt(Math.max(1, devices - 100)))));
    queries.put(
        "results filtered by state (FAILED, page of 100)",
        i ->
            request(
                "query($id: ID!, $from: Int) { firmwareOTAJob(id: $id) { resultPage(filter:"
                    + " {states: [\"FAILED\"]}, from: $from, size: 100) { total hasMore items {"
                    + " deviceId state errorCode } } } }",
                Map.of(
                    "id",
                    info.getProperty("finishedJob"),
                    "from",
                    random.nextInt(Math.max(1, devices * 3 / 100 - 100)))));

    // QUERIES (an environment variable) keeps the queries whose name contains it, to measure or
    // profile one query alone; GetDevice serves as the probe that waits out a backlog.
    String only = System.getenv("QUERIES");
    Function<Integer, Map<String, Object>> probe = queries.get("GetDevice (seed, verbatim)");
    if (only != null && !only.isBlank()) {
      queries.keySet().removeIf(name -> !name.contains(only));
    }
    if (rate == 0) {
      // Subscribers only.
      subscribers(http, endpoint, token, info, subscribers);
      System.exit(0);
    }
    // Warm-up at the measured rate, so that each query's code is compiled as it will run, and the
    // backlog of a query the server cannot keep up with is drained before the next one.
    // Warm-up: a fresh JVM compiles the API's code for its first minute or so, which on two cores
    // takes about one of them (measured: C2 busy ~90 % of the time with 5 s of warm-up); measuring
    // then would charge the compiler to the queries. Each query runs WARMUP seconds (default 30) at
    // half the rate, so that a query the server cannot keep up with does not queue for minutes.
    int warmup = Integer.parseInt(System.getenv().getOrDefault("WARMUP", "30"));
    System.err.printf(
        "warming up: each query at %d requests/s for %d s%n", Math.max(1, rate / 2), warmup);
    for (var query : queries.values()) {
      run(http, endpoint, token, query, Math.max(1, rate / 2), warmup);
      drain(http, endpoint, token, probe);
    }
    Map<String, List<Long>> results = new LinkedHashMap<>();
    // CPU time per request of the server's process and of this one (Linux: /proc), so that a
    // query's cost can be read apart from the machine it shares with the load generator.
    Map<String, double[]> cpuPerRequest = new LinkedHashMap<>();
    long serverPid = Long.parseLong(info.getProperty("pid"));
    for (var query : queries.entrySet()) {
      drain(http, endpoint, token, probe);
      System.err.printf("%s at %d requests/s for %d s%n", query.getKey(), rate, seconds);
      long serverCpu = processCpuNanos(serverPid);
      long ownCpu = processCpuNanos(ProcessHandle.current().pid());
      results.put(query.getKey(), run(http, endpoint, token, query.getValue(), rate, seconds));
      cpuPerRequest.put(
          query.getKey(),
          new double[] {
            (processCpuNanos(serverPid) - serverCpu) / 1e6 / (rate * (double) seconds),
            (processCpuNanos(ProcessHandle.current().pid()) - ownCpu)
                / 1e6
                / (rate * (double) seconds)
          });
    }
    drain(http, endpoint, token, probe);
    System.out.printf(
        "%n%d devices, %d OTA results; each query at %d requests/s for %d s (open loop)%n",
        devices, devices * 10L, rate, seconds);
    System.out.printf(
        "%-48s %7s %8s %8s %8s %8s %7s %7s %9s %9s%n",
        "query", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "req/s", "errors", "cpu srv",
        "cpu gen");
    for (var entry : results.entrySet()) {
      List<Long> all = entry.getValue();
      List<Long> ok = new ArrayList<>(all.stream().filter(n -> n >= 0).toList());
      Collections.sort(ok);
      System.out.printf(
          "%-48s %7d %8.1f %8.1f %8.1f %8.1f %7.0f %7d %9.2f %9.2f%n",
          entry.getKey(),
          ok.size(),
          pct(ok, 50),
          pct(ok, 90),
          pct(ok, 99),
          pct(ok, 100),
          ok.size() / (double) seconds,
          all.size() - ok.size(),
          cpuPerRequest.get(entry.getKey())[0],
          cpuPerRequest.get(entry.getKey())[1]);
    }
    System.out.println(
        "cpu srv / cpu gen: CPU ms per request of the server's process / of the load generator's");
    if (subscribers > 0) {
      drain(http, endpoint, token, probe);
      subscribers(http, endpoint, token, info, subscribers);
    }
    System.exit(0);
  }

  /** A process's CPU time (user and system) from /proc, in nanoseconds; -1 where there is none. */
  private static long processCpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The fields after the command name (which may hold spaces) in parentheses.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Waits until the server has worked off what an overloaded run left queued, so that the next
   * query is measured on its own: three cheap requests in a row answered within 200 ms.
   */
  private static void drain(
      HttpClient http, URI endpoint, String token, Function<Integer, Map<String, Object>> probe)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    int quick = 0;
    while (quick < 3 && System.nanoTime() < deadline) {
      long t0 = System.nanoTime();
      try {
        http.send(
            HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(probe.apply(0))))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        quick = System.nanoTime() - t0 < 200_000_000L ? quick + 1 : 0;
      } catch (java.io.IOException e) {
        quick = 0;
      }
      Thread.sleep(200);
    }
  }

  private static Map<String, Object> request(String query, Map<String, Object> variables) {
    return Map.of("query", query, "variables", variables);
  }

  /**
   * Latencies in nanoseconds, each from the moment its request was due; -1 for a request that
   * failed or answered with errors.
   */
  private static List<Long> run(
      HttpClient http,
      URI endpoint,
      String token,
      Function<Integer, Map<String, Object>> query,
      int rate,
      int seconds)
      throws Exception {
    ConcurrentLinkedQueue<Long> out = new ConcurrentLinkedQueue<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    long period = 1_000_000_000L / rate;
    long start = System.nanoTime();
    int total = rate * seconds;
    clock.scheduleAtFixedRate(
        () -> {
          int i = sent.getAndIncrement();
          if (i >= total) {
            return;
          }
          long due = start + i * period;
          byte[] body;
          try {
            body = JSON.writeValueAsBytes(query.apply(i));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          http.sendAsync(
                  HttpRequest.newBuilder(endpoint)
                      .timeout(Duration.ofSeconds(30))
                      .header("Content-Type", "application/json")
                      .header("Authorization", "Bearer " + token)
                      .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
              .whenComplete(
                  (response, failure) -> {
                    boolean ok =
                        failure == null
                            && response.statusCode() == 200
                            && !response.body().contains("\"errors\"");
                    out.add(ok ? System.nanoTime() - due : -1L);
                    done.incrementAndGet();
                  });
        },
        0,
        period,
        TimeUnit.NANOSECONDS);
    while (done.get() < total) {
      Thread.sleep(50);
    }
    clock.shutdownNow();
    return new ArrayList<>(out);
  }

  /**
   * {@code count} subscribers to the running rollout's progress (Server-Sent Events, the default
   * interval of 500 ms); the rollout then moves on by SQL, 1 % of its devices per step, a step
   * every 2 s; each subscriber's delay per step is from the step's commit to the first event that
   * shows at least the step's count of succeeded devices.
   */
  private static void subscribers(
      HttpClient http, URI endpoint, String token, Properties info, int count) throws Exception {
    String job = info.getProperty("runningJob");
    int devices = Integer.parseInt(info.getProperty("devices"));
    byte[] body =
        JSON.writeValueAsBytes(
            request(
                "subscription($id: ID!) { rolloutProgress(id: $id) { status progress { succeeded"
                    + " } } }",
                Map.of("id", job)));
    List<List<long[]>> seen = new ArrayList<>();
    AtomicInteger connected = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    System.err.printf("connecting %d subscribers to rollout %s%n", count, job);
    java.util.concurrent.ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    for (int s = 0; s < count; s++) {
      List<long[]> events = new CopyOnWriteArrayList<>();
      seen.add(events);
      http.sendAsync(
              HttpRequest.newBuilder(endpoint)
                  .header("Content-Type", "application/json")
                  .header("Accept", "text/event-stream")
                  .header("Authorization", "Bearer " + token)
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.ofLines())
          // Each stream is read on a virtual thread of its own: read on the common pool, as a
          // plain thenAccept would, the blocking reads of more than 256 streams wait for a thread.
          .thenAcceptAsync(
              response -> {
                connected.incrementAndGet();
                response
                    .body()
                    .forEach(
                        line -> {
                          if (line.startsWith("data:")) {
                            long at = System.nanoTime();
                            try {
                              JsonNode data = JSON.readTree(line.substring(5));
                              int succeeded =
                                  data.path("data")
                                      .path("rolloutProgress")
                                      .path("progress")
                                      .path("succeeded")
                                      .asInt(-1);
                              events.add(new long[] {at, succeeded});
                            } catch (Exception e) {
                              failed.incrementAndGet();
                            }
                          }
                        });
              },
              readers)
          .exceptionally(
              e -> {
                failed.incrementAndGet();
                return null;
              });
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (seen.stream().filter(e -> !e.isEmpty()).count() < count
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    long ready = seen.stream().filter(e -> !e.isEmpty()).count();
    System.err.printf("%d of %d subscribers have the rollout's state%n", ready, count);

    int steps = 10;
    int perStep = devices / 100;
    long[] committed = new long[steps];
    int[] succeededAfter = new int[steps];
    try (Connection db =
        DriverManager.getConnection(
            info.getProperty("jdbcUrl"),
            info.getProperty("dbUser"),
            info.getProperty("dbPassword"))) {
      db.setAutoCommit(false);
      try (PreparedStatement update =
              db.prepareStatement(
                  "update ota_results set state = 'SUCCEEDED', updated_at = now() where job_id ="
                      + " ?::uuid and stage_position > ? and stage_position <= ?");
          PreparedStatement history =
              db.prepareStatement(
                  "insert into ota_result_history (organization_id, job_id, device_id, state,"
                      + " attempt) select organization_id, job_id, device_id, 'SUCCEEDED', 1 from"
                      + " ota_results where job_id = ?::uuid and stage_position > ? and"
                      + " stage_position <= ?")) {
        for (int step = 0; step < steps; step++) {
          for (PreparedStatement statement : List.of(update, history)) {
            statement.setString(1, job);
            statement.setLong(2, (long) step * perStep);
            statement.setLong(3, (long) (step + 1) * perStep);
            statement.executeUpdate();
          }
          db.commit();
          committed[step] = System.nanoTime();
          succeededAfter[step] = (step + 1) * perStep;
          System.err.printf(
              "step %d/%d: %d devices succeeded, committed%n",
              step + 1, steps, succeededAfter[step]);
          Thread.sleep(2_000);
        }
      }
      try (Statement statement = db.createStatement()) {
        statement.execute("update ota_jobs set status = 'SUCCEEDED' where id = '" + job + "'");
      }
      db.commit();
    }
    Thread.sleep(3_000);
    List<Long> delays = new ArrayList<>();
    int missed = 0;
    for (List<long[]> events : seen) {
      for (int step = 0; step < steps; step++) {
        long delay = -1;
        for (long[] event : events) {
          if (event[1] >= succeededAfter[step] && event[0] >= committed[step]) {
            delay = event[0] - committed[step];
            break;
          }
        }
        if (delay < 0) {
          missed++;
        } else {
          delays.add(delay);
        }
      }
    }
    Collections.sort(delays);
    System.out.printf(
        "%n%d subscribers to one rollout's progress (Server-Sent Events, interval 500 ms), %d"
            + " steps committed by SQL 2 s apart%n",
        count, steps);
    System.out.printf(
        "connected %d, failed %d; commit-to-event delay over %d (subscriber, step) pairs: p50 %.0f"
            + " ms, p99 %.0f ms, max %.0f ms; steps never seen: %d%n",
        connected.get(),
        failed.get(),
        delays.size(),
        pct(delays, 50),
        pct(delays, 99),
        pct(delays, 100),
        missed);
  }

  private static double pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
  }
}
