package dev.firmament.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.firmament.agent.DeviceAgent;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.ReferenceCloud;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.launcher.Demo;
import dev.firmament.launcher.DevServer;
import dev.firmament.protocol.DeviceEvent;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.Topics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;

/**
 * Event ingest and function calls through the whole stack in one process: {@code DEVICES} simulated
 * devices (registered through the API, identity enforced at the broker) each publish one event per
 * second for {@code SECONDS}, carrying the time it was published; the workers store them and the
 * API streams them to one Server-Sent Events subscriber. Prints, every ten seconds, what was
 * published, stored and streamed; at the end every event's delay from publish to row ({@code
 * events.stored_at}) and to the subscriber at p50/p99, and how many were lost. Then function calls
 * through the API process's broker client with {@code CALLERS} in flight at once for {@code
 * CALL_SECONDS}, sent to the API as {@code callFunction}: calls per second, the round trip at
 * p50/p99, and the CPU time each call cost in the server, this process and PostgreSQL with how busy
 * the machine was (on two cores the round trip is mostly waiting for the processor, and reads as a
 * fixed delay without these figures).
 *
 * <p>Two processes, as bench/events/run.sh starts them: {@code EventIngestBench server DATA_DIR
 * INFO_FILE} (the stack) and {@code EventIngestBench load INFO_FILE [DEVICES] [SECONDS] [CALLERS]
 * [CALL_SECONDS] [INTERVAL_MS]} (the devices, the subscriber and the callers).
 */
public final class EventIngestBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ProtocolCodec CODEC = new ProtocolCodec();

  private EventIngestBench() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("server")) {
      serve(Path.of(args[1]), Path.of(args[2]));
    } else {
      load(
          Path.of(args[1]),
          args.length > 2 ? Integer.parseInt(args[2]) : 10_000,
          args.length > 3 ? Integer.parseInt(args[3]) : 600,
          args.length > 4 ? Integer.parseInt(args[4]) : 64,
          args.length > 5 ? Integer.parseInt(args[5]) : 30,
          args.length > 6 ? Integer.parseInt(args[6]) : 1000);
    }
  }

  /**
   * The whole stack in this process (broker, workers, API, PostgreSQL), its addresses written to
   * {@code info}; serves until a file named like it with {@code .stop} appears. The devices run in
   * the load process: ten thousand MQTT connections have both ends in one process otherwise, more
   * file descriptors than a process here may open.
   */
  private static void serve(Path data, Path info) throws Exception {
    Map<String, String> settings =
        new java.util.HashMap<>(
            Map.of(
                "firmament.api.rate-limit.requests-per-second", "1000000",
                "firmament.api.rate-limit.burst", "1000000",
                "firmament.events.queue", "1000000"));
    // BROKER=mosquitto: Debian's Mosquitto takes the devices and the workers instead of the
    // embedded HiveMQ (which still starts, idle); BROKER=mosquitto-secured: the same with device
    // identity enforced by its dynamic-security plugin, as in production.
    Process mosquitto = null;
    String mqttUrl = null;
    String broker = System.getenv().getOrDefault("BROKER", "embedded");
    if (broker.startsWith("mosquitto")) {
      int port;
      try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
        port = free.getLocalPort();
      }
      boolean secured = broker.equals("mosquitto-secured");
      mosquitto = startMosquitto(data, port, secured);
      mqttUrl = "tcp://127.0.0.1:" + port;
      settings.put("firmament.mqtt.url", mqttUrl);
      if (secured) {
        settings.putAll(SecuredMosquitto.provision(data, port));
      }
    } else if (!broker.equals("embedded")) {
      throw new IllegalArgumentException(
          "BROKER must be embedded, mosquitto or mosquitto-secured, not " + broker);
    }
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(data), 0, settings)) {
      var endpoints = server.stack().endpoints();
      java.util.Properties p = new java.util.Properties();
      p.setProperty("url", server.graphqlUrl());
      p.setProperty("token", server.ownerToken());
      p.setProperty("mqttUrl", mqttUrl != null ? mqttUrl : endpoints.mqttUrl());
      p.setProperty("signingPublicKey", server.signingPublicKey());
      p.setProperty("jdbcUrl", endpoints.jdbcUrl());
      p.setProperty("dbUser", endpoints.dbUser());
      p.setProperty("dbPassword", endpoints.dbPassword());
      p.setProperty("serverPid", Long.toString(ProcessHandle.current().pid()));
      if (mosquitto != null) {
        p.setProperty("brokerPid", Long.toString(mosquitto.pid()));
      }
      Path postmaster = data.resolve("postgres").resolve("postmaster.pid");
      if (java.nio.file.Files.exists(postmaster)) {
        p.setProperty(
            "postgresPid", java.nio.file.Files.readAllLines(postmaster).getFirst().trim());
      }
      Path partial = info.resolveSibling(info.getFileName() + ".part");
      try (var out = java.nio.file.Files.newOutputStream(partial)) {
        p.store(out, "event benchmark server");
      }
      java.nio.file.Files.move(partial, info);
      log("ready at " + server.graphqlUrl());
      Path stop = info.resolveSibling(info.getFileName() + ".stop");
      while (!java.nio.file.Files.exists(stop)) {
        Thread.sleep(200);
      }
    } finally {
      if (mosquitto != null) {
        mosquitto.destroy();
        mosquitto.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Debian's Mosquitto on loopback for the benchmark: anonymous clients allowed (device identity is
   * the embedded broker's and production's dynamic security's job; this measures throughput),
   * nothing persisted, and no limit on the messages queued for a client, so that a lagging shared
   * subscription queues rather than drops.
   */
  private static Process startMosquitto(Path data, int port, boolean secured) throws Exception {
    Path binary = Path.of("/usr/sbin/mosquitto");
    if (!java.nio.file.Files.isExecutable(binary)) {
      throw new IllegalStateException(
          "BROKER=mosquitto needs Debian's mosquitto: apt-get install mosquitto");
    }
    java.nio.file.Files.createDirectories(data);
    Path conf = data.resolve("mosquitto.conf");
    List<String> access =
        secured ? SecuredMosquitto.configuration(data) : List.of("allow_anonymous true");
    java.nio.file.Files.writeString(
        conf,
        String.join(
            "\n",
            String.join("\n", access),
            "listener " + port + " 127.0.0.1",
            "persistence false",
            "max_queued_messages 0",
            "max_inflight_messages 0",
            "max_connections -1",
            "log_type error",
            "log_type warning",
            ""));
    Process process =
        new ProcessBuilder(binary.toString(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("mosquitto.log").toFile())
            .start();
    for (int i = 0; i < 100; i++) {
      try {
        new java.net.Socket("127.0.0.1", port).close();
        log("mosquitto " + binary + " on port " + port + " (pid " + process.pid() + ")");
        return process;
      } catch (java.io.IOException notYet) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "mosquitto exited: " + java.nio.file.Files.readString(data.resolve("mosquitto.log")));
        }
        Thread.sleep(100);
      }
    }
    process.destroy();
    throw new IllegalStateException("mosquitto did not listen on " + port);
  }

  private static void load(
      Path infoFile, int devices, int seconds, int callers, int callSeconds, int intervalMs)
      throws Exception {
    java.util.Properties info = new java.util.Properties();
    try (var in = java.nio.file.Files.newInputStream(infoFile)) {
      info.load(in);
    }
    String url = info.getProperty("url");
    String token = info.getProperty("token");
    GraphqlClient api = new GraphqlClient(url, token);
    Demo demo = new Demo(System.out);
    log("registering " + devices + " devices");
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("ingest", devices));
    // CLIENTS=lean: each device is a bare MQTT connection of its own (LeanDevices) for the events;
    // the reference agents connect only afterwards, for the function calls.
    boolean lean = "lean".equals(System.getenv("CLIENTS"));
    FleetSimulator fleet = lean ? null : startFleet(info, prepared);
    LeanDevices leanDevices = lean ? connectLean(info, prepared) : null;
    try (java.sql.Connection connection =
        java.sql.DriverManager.getConnection(
            info.getProperty("jdbcUrl"),
            info.getProperty("dbUser"),
            info.getProperty("dbPassword"))) {
      DSLContext db = org.jooq.impl.DSL.using(connection);
      List<Long> streamed = new ArrayList<>();
      AtomicLong streamedCount = new AtomicLong();
      Thread subscriber =
          Thread.ofPlatform().daemon().start(() -> subscribe(url, token, streamed, streamedCount));
      Thread.sleep(2_000);

      AtomicLong published = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2);
      if (lean) {
        warmUp(leanDevices, intervalMs, db);
      }
      long start = System.currentTimeMillis();
      long end = start + seconds * 1000L;
      java.util.function.LongSupplier acknowledged;
      java.util.function.LongSupplier failures;
      if (lean) {
        long acknowledgedBefore = leanDevices.acknowledged();
        long failedBefore = leanDevices.failed();
        leanDevices.publish(
            Duration.ofMillis(intervalMs),
            Duration.ofSeconds(seconds),
            now -> CODEC.encodeEvent(DeviceEvent.of("bench", Long.toString(now))));
        acknowledged = () -> leanDevices.acknowledged() - acknowledgedBefore;
        failures = () -> leanDevices.failed() - failedBefore;
      } else {
        schedule(fleet, ticks, intervalMs, end, published, failed, info);
        acknowledged = published::get;
        failures = failed::get;
      }
      CpuUse cpu = new CpuUse(info);
      CpuUse.Sample window = cpu.sample();
      while (System.currentTimeMillis() < end) {
        Thread.sleep(10_000);
        CpuUse.Sample now = cpu.sample();
        log(
            String.format(
                "t=%ds published=%d stored=%d streamed=%d publishFailures=%d %s",
                (System.currentTimeMillis() - start) / 1000,
                acknowledged.getAsLong(),
                stored(db),
                streamedCount.get(),
                failures.getAsLong(),
                now.shares(window)));
        window = now;
      }
      ticks.shutdown();
      ticks.awaitTermination(10, TimeUnit.SECONDS);
      // Acknowledgements of the last publishes may still be on their way.
      Thread.sleep(lean ? 2_000 : 0);
      long total = acknowledged.getAsLong();
      for (int i = 0; i < 60; i++) {
        if (stored(db) >= total && streamedCount.get() >= total) {
          break;
        }
        Thread.sleep(1_000);
      }
      var rowLag =
          db.resultQuery(
                  "select count(*),"
                      + " percentile_cont(0.5) within group (order by d),"
                      + " percentile_cont(0.99) within group (order by d), max(d)"
                      + " from (select extract(epoch from stored_at) * 1000 - data::bigint as d"
                      + " from events where name = 'bench') s")
              .fetchSingle();
      long[] sse;
      synchronized (streamed) {
        sse = streamed.stream().mapToLong(Long::longValue).sorted().toArray();
      }
      long stored = rowLag.get(0, Long.class);
      System.out.printf(
          "RESULT events devices=%d clients=%s intervalMs=%d seconds=%d published=%d"
              + " publishFailures=%d stored=%d streamed=%d lost=%d"
              + " rowLagMs p50=%.0f p99=%.0f max=%.0f sseLagMs p50=%d p99=%d max=%d"
              + " storedPerSecond=%.0f%n",
          devices,
          lean ? "lean" : "agents",
          intervalMs,
          seconds,
          total,
          failures.getAsLong(),
          stored,
          sse.length,
          total - stored,
          rowLag.get(1, Double.class),
          rowLag.get(2, Double.class),
          rowLag.get(3, Double.class),
          percentile(sse, 0.5),
          percentile(sse, 0.99),
          sse.length == 0 ? 0 : sse[sse.length - 1],
          stored / (double) seconds);
      subscriber.interrupt();

      if (lean) {
        leanDevices.close();
        fleet = callers > 0 ? startFleet(info, prepared) : null;
        if (fleet != null) {
          // Every agent has just connected: its presence, ledger syncs and vitals are still being
          // handled, and calls made now would measure that wave rather than the calls.
          log("letting the fleet's connect settle for 30 s");
          Thread.sleep(30_000);
        }
      }
      if (fleet != null) {
        calls(api, fleet, callers, callSeconds, info);
      }
    } finally {
      if (fleet != null) {
        fleet.close();
      }
    }
    System.exit(0);
  }

  /**
   * A fresh server's first minute runs its code interpreted while the JIT compiles it: at the full
   * rate, a backlog builds at the broker, and when it drains each device's events arrive bunched
   * and go over the device's rate. So the devices first publish {@code warmup} events (not counted)
   * at a tenth of the rate for 30 s and at half of it for 30 s (WARMUP=seconds changes the total),
   * and the measurement starts once they are stored.
   */
  private static void warmUp(LeanDevices devices, int intervalMs, DSLContext db)
      throws InterruptedException {
    int seconds = Integer.parseInt(System.getenv().getOrDefault("WARMUP", "60"));
    if (seconds <= 0) {
      return;
    }
    log("warming up for " + seconds + " s: a tenth, then half of the rate");
    for (int divisor : new int[] {10, 2}) {
      devices.publish(
          Duration.ofMillis((long) intervalMs * divisor),
          Duration.ofSeconds(seconds / 2),
          now -> CODEC.encodeEvent(DeviceEvent.of("warmup", Long.toString(now))));
      Thread.sleep(seconds / 2 * 1000L);
    }
    long acknowledged = devices.acknowledged();
    for (int i = 0; i < 120; i++) {
      long stored = db.fetchCount(db.selectFrom("events").where("name = 'warmup'"));
      if (stored >= acknowledged) {
        break;
      }
      Thread.sleep(1_000);
    }
    log(
        "warmed up: "
            + acknowledged
            + " events acknowledged, "
            + db.fetchCount(db.selectFrom("events").where("name = 'warmup'"))
            + " stored");
  }

  private static FleetSimulator startFleet(java.util.Properties info, Demo.Prepared prepared) {
    log("connecting them");
    return FleetSimulator.start(
        info.getProperty("mqttUrl"),
        prepared.devices(),
        Demo.fleetOptions(info.getProperty("signingPublicKey"), prepared.productId())
            .withCloud(ReferenceCloud.INTERFACE)
            .withConnectTimeout(Duration.ofMinutes(5)));
  }

  private static LeanDevices connectLean(java.util.Properties info, Demo.Prepared prepared)
      throws Exception {
    log("connecting them as bare MQTT connections, each with its own credentials");
    URI broker = URI.create(info.getProperty("mqttUrl"));
    LeanDevices lean =
        LeanDevices.connect(
            broker.getHost(),
            broker.getPort(),
            prepared.devices().stream()
                .map(
                    d ->
                        new LeanDevices.Device(
                            d.deviceId(), d.password(), Topics.events(d.deviceId())))
                .toList(),
            Duration.ofMinutes(5));
    log("connected " + prepared.devices().size());
    return lean;
  }

  /** Each agent (or, with PUBLISHERS, a shared connection) publishes an event per interval. */
  private static void schedule(
      FleetSimulator fleet,
      ScheduledExecutorService ticks,
      int intervalMs,
      long end,
      AtomicLong published,
      AtomicLong failed,
      java.util.Properties info)
      throws Exception {
    List<Mqtt5AsyncClient> shared = publishers(info.getProperty("mqttUrl"));
    int next = 0;
    for (var device : fleet.devices()) {
      String deviceId = device.deviceId();
      DeviceAgent agent = fleet.agent(deviceId);
      Mqtt5AsyncClient publisher = shared.isEmpty() ? null : shared.get(next++ % shared.size());
      String topic = Topics.events(deviceId);
      long phase = ThreadLocalRandom.current().nextLong(intervalMs);
      ticks.scheduleAtFixedRate(
          () -> {
            if (System.currentTimeMillis() >= end) {
              return;
            }
            DeviceEvent event = DeviceEvent.of("bench", Long.toString(System.currentTimeMillis()));
            java.util.concurrent.CompletableFuture<?> sent =
                publisher == null
                    ? agent.publishEvent(event)
                    : publisher
                        .publishWith()
                        .topic(topic)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(CODEC.encodeEvent(event))
                        .send();
            sent.whenComplete(
                (ok, error) -> (error == null ? published : failed).incrementAndGet());
          },
          phase,
          intervalMs,
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * With {@code PUBLISHERS=N} (an environment variable; Mosquitto only, whose benchmark broker is
   * anonymous), the events go through N shared connections, each on its device's own topic, while
   * the devices' own connections stay open: what an event costs the stack, without 10,000 device
   * clients on the same two cores making them (they were the limit at ~5,000 events per second).
   * With identity enforced each device publishes only its own topic, which this does not exercise.
   */
  private static List<Mqtt5AsyncClient> publishers(String mqttUrl) throws Exception {
    int count = Integer.parseInt(System.getenv().getOrDefault("PUBLISHERS", "0"));
    if (count > 0 && !"mosquitto".equals(System.getenv("BROKER"))) {
      throw new IllegalStateException("PUBLISHERS needs BROKER=mosquitto (an anonymous broker)");
    }
    URI broker = URI.create(mqttUrl);
    List<Mqtt5AsyncClient> clients = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Mqtt5AsyncClient client =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("bench-publisher-" + i)
              .serverHost(broker.getHost())
              .serverPort(broker.getPort())
              .buildAsync();
      client.connect().get(30, TimeUnit.SECONDS);
      clients.add(client);
    }
    if (count > 0) {
      log("publishing through " + count + " shared connections on the devices' topics");
    }
    return clients;
  }

  private static long stored(DSLContext db) {
    return db.fetchCount(db.selectFrom("events").where("name = 'bench'"));
  }

  /**
   * Function calls through the API ({@code callFunction}, as a client sends them) with {@code
   * callers} in flight at once: calls per second and the round trip.
   */
  private static void calls(
      GraphqlClient api, FleetSimulator fleet, int callers, int seconds, java.util.Properties info)
      throws InterruptedException {
    CpuUse cpu = new CpuUse(info);
    List<String> ids = fleet.devices().stream().map(d -> d.deviceId()).toList();
    // The server has just started: until the JIT has compiled the call path (it had not in the
    // first seconds of calls, when the compiler threads took more CPU than the request threads),
    // a call costs several times its later CPU. Warm up first, and measure after.
    int warmUp = 10;
    log("warming up: led toggle with " + callers + " in flight for " + warmUp + " s");
    callFor(api, ids, callers, warmUp, new ArrayList<>(), new AtomicLong());
    failureKinds.clear();
    List<Long> rtts = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicLong failures = new AtomicLong();
    log("calling led toggle with " + callers + " in flight for " + seconds + " s");
    CpuUse.Sample before = cpu.sample();
    callFor(api, ids, callers, seconds, rtts, failures);
    CpuUse.Sample after = cpu.sample();
    long[] us = rtts.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf(
        "RESULT calls callers=%d seconds=%d calls=%d failures=%d callsPerSecond=%.0f"
            + " rttMs p50=%.2f p99=%.2f max=%.2f%n",
        callers,
        seconds,
        us.length,
        failures.get(),
        us.length / (double) seconds,
        percentile(us, 0.5) / 1000.0,
        percentile(us, 0.99) / 1000.0,
        us.length == 0 ? 0 : us[us.length - 1] / 1000.0);
    System.out.println("RESULT callsCpu " + after.since(before, us.length));
    failureKinds.forEach((kind, count) -> log("failed calls: " + count + " x " + kind));
  }

  /** Why calls failed (the error's code and message), with how many did. */
  private static final Map<String, AtomicLong> failureKinds =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Calls {@code led toggle} on random devices with {@code callers} in flight for a while. */
  private static void callFor(
      GraphqlClient api,
      List<String> ids,
      int callers,
      int seconds,
      List<Long> rtts,
      AtomicLong failures)
      throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    String call =
        "mutation($d: ID!) { callFunction(deviceId: $d, name: \"led\", argument: \"toggle\") {"
            + " returnValue connected } }";
    for (int c = 0; c < callers; c++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (System.nanoTime() < end) {
                      String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
                      long t0 = System.nanoTime();
                      try {
                        JsonNode answer = api.executeRaw(call, Map.of("d", id));
                        if (answer.path("errors").isMissingNode()) {
                          rtts.add((System.nanoTime() - t0) / 1_000);
                        } else {
                          failures.incrementAndGet();
                          JsonNode error = answer.path("errors").path(0);
                          failureKinds
                              .computeIfAbsent(
                                  error.path("extensions").path("code").asText("?")
                                      + ": "
                                      + error.path("message").asText(),
                                  k -> new AtomicLong())
                              .incrementAndGet();
                        }
                      } catch (RuntimeException e) {
                        failures.incrementAndGet();
                        failureKinds
                            .computeIfAbsent(e.toString(), k -> new AtomicLong())
                            .incrementAndGet();
                      }
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  /**
   * CPU used during the calls, to tell a fixed delay from queueing for the processor: the CPU time
   * each call cost in the server, this load process and PostgreSQL (its postmaster and the backends
   * it forked), and how busy the machine was. Read from /proc, so Linux only; elsewhere the figures
   * are left out.
   */
  private static final class CpuUse {
    /** Clock ticks per second of /proc's CPU times; 100 on Linux whatever the kernel's HZ. */
    private static final double TICKS_PER_SECOND = 100;

    private final long server;
    private final long postgres;
    private final long broker;

    CpuUse(java.util.Properties info) {
      this.server = pid(info, "serverPid");
      this.postgres = pid(info, "postgresPid");
      this.broker = pid(info, "brokerPid");
    }

    private static long pid(java.util.Properties info, String name) {
      String pid = info.getProperty(name);
      return pid == null ? -1 : Long.parseLong(pid);
    }

    /**
     * CPU ticks of the server, this process, PostgreSQL and an external broker; the machine's busy
     * and all ticks; when it was taken.
     */
    record Sample(
        long server, long load, long postgres, long broker, long busy, long total, long nanos) {
      /** Each process's CPU since {@code before} in percent of one core, and the machine's. */
      String shares(Sample before) {
        if (total < 0) {
          return "(no /proc)";
        }
        double ticks = (nanos - before.nanos) / 1e9 * TICKS_PER_SECOND;
        return String.format(
            "cpu server=%.0f%% load=%.0f%% postgres=%.0f%% broker=%.0f%% machineBusy=%.0f%%",
            100 * (server - before.server) / ticks,
            100 * (load - before.load) / ticks,
            100 * (postgres - before.postgres) / ticks,
            100 * (broker - before.broker) / ticks,
            100.0 * (busy - before.busy) / Math.max(1, total - before.total));
      }

      String since(Sample before, int calls) {
        if (total < 0 || calls == 0) {
          return "(no /proc)";
        }
        return String.format(
            "cpuMsPerCall server=%.2f load=%.2f postgres=%.2f machineBusy=%.0f%%",
            msPerCall(server - before.server, calls),
            msPerCall(load - before.load, calls),
            msPerCall(postgres - before.postgres, calls),
            100.0 * (busy - before.busy) / Math.max(1, total - before.total));
      }

      private static double msPerCall(long ticks, int calls) {
        return ticks * 1000 / TICKS_PER_SECOND / calls;
      }
    }

    Sample sample() {
      try {
        long pg = 0;
        if (postgres > 0) {
          pg = ticks(postgres);
          try (var processes = java.nio.file.Files.list(Path.of("/proc"))) {
            for (Path process : processes.toList()) {
              String name = process.getFileName().toString();
              if (name.chars().allMatch(Character::isDigit) && parent(process) == postgres) {
                pg += ticks(Long.parseLong(name));
              }
            }
          }
        }
        String[] cpu =
            java.nio.file.Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long busy = 0;
        long total = 0;
        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        for (int i = 1; i <= 8; i++) {
          long v = Long.parseLong(cpu[i]);
          total += v;
          busy += i == 4 || i == 5 ? 0 : v;
        }
        return new Sample(
            server > 0 ? ticks(server) : 0,
            ticks(ProcessHandle.current().pid()),
            pg,
            broker > 0 ? ticks(broker) : 0,
            busy,
            total,
            System.nanoTime());
      } catch (java.io.IOException | RuntimeException e) {
        return new Sample(0, 0, 0, 0, -1, -1, System.nanoTime());
      }
    }

    /** The fields of /proc/PID/stat after the command name (which may hold spaces). */
    private static String[] stat(long pid) throws java.io.IOException {
      String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** User and system CPU ticks of a process (utime and stime). */
    private static long ticks(long pid) throws java.io.IOException {
      String[] fields = stat(pid);
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static long parent(Path process) {
      try {
        return Long.parseLong(stat(Long.parseLong(process.getFileName().toString()))[1]);
      } catch (java.io.IOException | RuntimeException e) {
        return -1; // gone meanwhile
      }
    }
  }

  /** Reads the SSE endpoint's bench events and records each one's delay since it was published. */
  private static void subscribe(String url, String token, List<Long> lags, AtomicLong count) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url).resolve("/api/v1/events?name=bench"))
              .header("Authorization", "Bearer " + token)
              .header("Accept", "text/event-stream")
              .GET()
              .build();
      HttpResponse<java.io.InputStream> response =
          HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("data:")) {
            JsonNode event = JSON.readTree(line.substring(5));
            long lag = System.currentTimeMillis() - Long.parseLong(event.path("data").asText());
            synchronized (lags) {
              lags.add(lag);
            }
            count.incrementAndGet();
          }
        }
      }
    } catch (Exception e) {
      if (!Thread.currentThread().isInterrupted()) {
        log("subscriber ended: " + e);
      }
    }
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  private static void log(String message) {
    System.out.println("[events-bench] " + message);
    System.out.flush();
  }
}
