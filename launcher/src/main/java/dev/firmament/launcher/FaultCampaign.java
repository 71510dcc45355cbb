package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStack;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.DeviceAccessExtension;
import dev.firmament.devstack.Endpoints;
import dev.firmament.devstack.FreePorts;
import dev.firmament.server.FirmamentServer;
import dev.firmament.workers.device.DeviceCredentialCheck;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A fault campaign on the production topology: the embedded services, the {@code api} role in this
 * process, two {@code workers} processes ({@code firmament server workers}) and a simulated fleet
 * as a process of its own ({@code firmament fleet}, which reports what its devices did in a file).
 * During one rollout it applies the plan's faults in turn, each once the rollout has reached its
 * share of the devices: {@code kill -9} of a worker (a replacement is started, so two run again), a
 * PostgreSQL restart, a broker restart, an S3 outage, and a stop and start of the API. Then it
 * waits for the rollout's end and checks what must hold: the rollout succeeded, every device has
 * exactly one result and exactly one end in its history, no device installed the update twice, and
 * PostgreSQL counts what the devices did. The test suite runs a small plan; {@code firmament chaos}
 * runs any size ({@code bench/chaos/run.sh}).
 */
final class FaultCampaign {
  /**
   * What a campaign does.
   *
   * @param devices simulated devices
   * @param maxInFlight the rollout's bound on devices updating at once
   * @param transfer how long each device's download takes (a slow link, so faults strike
   *     mid-delivery)
   * @param workerKills how many times a worker is killed
   * @param restartPostgres whether PostgreSQL is restarted once
   * @param restartBroker whether the broker is restarted once
   * @param s3Outage how long S3 is unavailable once (zero for never)
   * @param restartApi whether the API is stopped and started once
   * @param deadline how long the whole campaign may take before it gives up
   */
  record Plan(
      int devices,
      int maxInFlight,
      Duration transfer,
      int workerKills,
      boolean restartPostgres,
      boolean restartBroker,
      Duration s3Outage,
      boolean restartApi,
      Duration deadline) {

    /**
     * The suite's version: one worker kill and one broker restart, 100 devices. At most 20 update
     * at once: the kill strikes once 10 have updated, with the next ones in flight, and the broker
     * restarts with 30 devices (more than a wave of slow transfers) still to go.
     */
    static Plan small() {
      return new Plan(
          100,
          20,
          Duration.ofMillis(1500),
          1,
          false,
          true,
          Duration.ZERO,
          false,
          // About a minute's work: the deadline leaves room for a loaded machine and still ends
          // the campaign, with its diagnostics kept, before the suite's timeout of the test.
          Duration.ofMinutes(4));
    }

    /**
     * The full campaign: five worker kills, a PostgreSQL and a broker restart, 30 s without S3, and
     * an API restart.
     */
    static Plan full(int devices, int maxInFlight) {
      return new Plan(
          devices,
          maxInFlight,
          Duration.ofMillis(1500),
          5,
          true,
          true,
          Duration.ofSeconds(30),
          true,
          Duration.ofMinutes(60));
    }
  }

  /**
   * What a campaign found.
   *
   * @param status the rollout's final status
   * @param results the job's results by state
   * @param devicesWithoutOneEnd devices whose history has no end or more than one
   * @param historyEnds the history's final rows (one per device when nothing was lost or doubled)
   * @param installs installs the devices did
   * @param installedTwice devices that installed the update more than once
   * @param onTarget devices that run the target version
   * @param faults the faults applied, each with when it happened (seconds into the rollout)
   * @param rollout how long the rollout took
   */
  record Outcome(
      int devices,
      String status,
      Map<String, Integer> results,
      int devicesWithoutOneEnd,
      int historyEnds,
      int installs,
      int installedTwice,
      int onTarget,
      List<String> faults,
      int faultsPlanned,
      Duration rollout) {

    int succeeded() {
      return results.getOrDefault("SUCCEEDED", 0);
    }

    /** What failed to hold, empty when the campaign passed. */
    List<String> violations() {
      List<String> found = new ArrayList<>();
      if (!"SUCCEEDED".equals(status)) {
        found.add("the rollout ended " + status);
      }
      if (succeeded() != devices || results.values().stream().mapToInt(i -> i).sum() != devices) {
        found.add("results " + results + " for " + devices + " devices");
      }
      if (devicesWithoutOneEnd != 0 || historyEnds != devices) {
        found.add(
            devicesWithoutOneEnd
                + " devices without exactly one end in their history ("
                + historyEnds
                + " ends)");
      }
      if (installedTwice != 0) {
        found.add(installedTwice + " devices installed the update twice");
      }
      if (onTarget != succeeded() || installs != onTarget) {
        found.add(
            "PostgreSQL counts "
                + succeeded()
                + " succeeded, the devices report "
                + onTarget
                + " on the target and "
                + installs
                + " installs");
      }
      if (faults.size() != faultsPlanned) {
        found.add(
            "only "
                + faults.size()
                + " of "
                + faultsPlanned
                + " faults struck before the rollout ended");
      }
      return found;
    }

    void print(PrintStream out) {
      out.printf(
          """
          campaign: %d devices, rollout %s in %d s
            results            %s
            history ends       %d (devices without exactly one: %d)
            installs           %d (devices that installed twice: %d)
            on target version  %d
            faults (%d of %d)  %s
            verdict            %s
          """,
          devices,
          status,
          rollout.toSeconds(),
          results,
          historyEnds,
          devicesWithoutOneEnd,
          installs,
          installedTwice,
          onTarget,
          faults.size(),
          faultsPlanned,
          faults,
          violations().isEmpty() ? "PASSED" : "FAILED " + violations());
    }
  }

  /** How many warning lines of each worker's log a failed campaign prints. */
  private static final int WARNINGS_PER_WORKER = 40;

  private static final List<String> ENDS =
      List.of("SUCCEEDED", "SKIPPED", "FAILED", "TIMED_OUT", "REJECTED", "CANCELED", "ROLLED_BACK");

  private final Plan plan;
  private final Path dataDir;
  private final PrintStream out;
  private final List<Process> workers = new ArrayList<>();
  private int workersStarted;
  private String startingWorker;
  private Process fleet;
  private ConfigurableApplicationContext api;
  private List<String> apiArgs;
  private volatile String progress = "starting";
  private HikariDataSource brokerPool;

  FaultCampaign(Plan plan, Path dataDir, PrintStream out) {
    this.plan = plan;
    this.dataDir = dataDir.toAbsolutePath();
    this.out = out;
  }

  /** Runs the campaign; the worker processes' logs stay in the data directory. */
  Outcome run() throws Exception {
    BrokerAccess access = new BrokerAccess();
    try (DevStack stack =
        DevStack.start(
            DevStackOptions.onFreePorts(dataDir)
                .withMqttExtension(DeviceAccessExtension.embedded(access)))) {
      Endpoints endpoints = stack.endpoints();
      brokerPool = brokerPool(endpoints);
      DSLContext dsl = DSL.using(brokerPool, SQLDialect.POSTGRES);
      access.bind(new DeviceCredentialCheck(dsl));
      Map<String, String> services =
          new LinkedHashMap<>(DevServer.stackProperties(stack, access, dataDir));
      // The embedded Temporal never gives a killed worker's sticky workflow tasks to another.
      services.put("firmament.temporal.sticky-execution", "false");
      // Faults are found in seconds here, not in a minute.
      services.put("firmament.rollout.delivery-heartbeat", "6s");
      services.put("firmament.delivery.heartbeat-interval", "1s");
      services.put("firmament.delivery.completion-retry-seconds", "2");
      ServicesFile.write(ServicesFile.in(dataDir), services);

      int apiPort = FreePorts.pick();
      apiArgs = new ArrayList<>();
      services.forEach((key, value) -> apiArgs.add("--" + key + "=" + value));
      apiArgs.add("--server.port=" + apiPort);
      apiArgs.add("--server.address=127.0.0.1");
      apiArgs.add("--logging.level.dev.firmament=WARN");
      // The workers start while the API does, as the roles of a deployment do (each applies the
      // schema's migrations under PostgreSQL's lock, whichever comes first).
      startWorker();
      startWorker();
      api = FirmamentServer.application("api").run(apiArgs.toArray(String[]::new));
      // Presence goes to the workers' shared subscription, which keeps nothing for later: the
      // devices connect once the workers listen.
      for (int i = 1; i <= workers.size(); i++) {
        awaitRunning("worker-" + i);
      }
      GraphqlClient client =
          new GraphqlClient(
              "http://127.0.0.1:" + apiPort + "/graphql",
              Files.readString(DevServer.tokenFile(dataDir)).strip());
      Demo demo = new Demo(out);
      // The fleet is a process of its own, as in production: its device connections and the
      // broker's would not fit one process's file descriptors at 10,000 devices.
      String productId = startFleet(apiPort);
      demo.awaitFleetReported(client, plan.devices());
      demo.uploadIfMissing(client, productId, Demo.FROM_VERSION, "armapp.old");
      demo.uploadIfMissing(client, productId, Demo.TO_VERSION, "armapp.new");
      demo.awaitDeltas(client, productId);
      UUID jobId =
          UUID.fromString(
              Demo.createJob(client, productId, plan.maxInFlight()).path("id").asText());
      long begin = System.nanoTime();
      out.printf("campaign: rollout %s of %d devices started%n", jobId, plan.devices());

      List<String> applied = new ArrayList<>();
      List<Fault> faults = faults(stack);
      for (Fault fault : faults) {
        int threshold = (int) Math.ceil(plan.devices() * fault.share());
        if (!waitFor(begin, dsl, jobId, count -> count >= threshold || ended(client, jobId))
            || ended(client, jobId)) {
          // The rollout ended first: the faults left did not strike, which the outcome says.
          break;
        }
        long at = secondsSince(begin);
        out.printf("campaign: %ds, %s%n", at, fault.name());
        fault.action().run();
        applied.add(fault.name() + " at " + at + " s");
      }
      if (!waitFor(begin, dsl, jobId, count -> ended(client, jobId))) {
        String diagnostics =
            new RolloutDiagnostics(dsl, api.getBean(WorkflowClient.class), dataDir, out)
                .keep(jobId);
        printWorkerWarnings();
        throw new IllegalStateException(
            "the rollout did not end within "
                + plan.deadline().toMinutes()
                + " min: "
                + succeeded(dsl, jobId)
                + " of "
                + plan.devices()
                + " succeeded\n"
                + diagnostics);
      }
      Duration took = Duration.ofNanos(System.nanoTime() - begin);
      return outcome(dsl, client, jobId, stopFleet(), applied, faults.size(), took);
    } finally {
      for (Process worker : workers) {
        worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      if (fleet != null) {
        fleet.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      if (api != null) {
        api.close();
      }
      if (brokerPool != null) {
        brokerPool.close();
      }
    }
  }

  /** A fault, applied once the rollout has reached {@code share} of its devices. */
  private record Fault(double share, String name, ThrowingRunnable action) {}

  /** A fault before it is placed in the rollout. */
  private record Step(String name, ThrowingRunnable action) {}

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * The plan's faults, spread over the rollout from a tenth to seven tenths of its devices, worker
   * kills alternating with the others.
   */
  private List<Fault> faults(DevStack stack) {
    List<Step> others = new ArrayList<>();
    if (!plan.s3Outage().isZero()) {
      others.add(
          new Step(
              "S3 unavailable for " + plan.s3Outage().toSeconds() + " s",
              () -> stack.restart(DevStack.Service.S3, plan.s3Outage())));
    }
    if (plan.restartPostgres()) {
      others.add(
          new Step(
              "PostgreSQL restarted",
              () -> stack.restart(DevStack.Service.POSTGRES, Duration.ofSeconds(2))));
    }
    if (plan.restartBroker()) {
      others.add(
          new Step(
              "broker restarted",
              () -> stack.restart(DevStack.Service.MQTT, Duration.ofSeconds(1))));
    }
    if (plan.restartApi()) {
      others.add(new Step("API stopped and started", this::restartApi));
    }
    Step kill = new Step("kill -9 of a worker", this::killWorker);
    // Worker kills alternate with the other faults while both last.
    List<Step> steps = new ArrayList<>();
    for (int k = 0, o = 0; k < plan.workerKills() || o < others.size(); ) {
      if (k < plan.workerKills() && (steps.size() % 2 == 0 || o == others.size())) {
        steps.add(kill);
        k++;
      } else {
        steps.add(others.get(o++));
      }
    }
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      double share = steps.size() == 1 ? 0.3 : 0.1 + 0.6 * i / (steps.size() - 1);
      faults.add(new Fault(share, steps.get(i).name(), steps.get(i).action()));
    }
    return faults;
  }

  /**
   * Kills the oldest running worker with SIGKILL and starts a replacement without waiting for it:
   * the rollout goes on with the survivor while the replacement starts, and the campaign's next
   * fault strikes on time however long a JVM takes to start on a busy machine. A replacement still
   * starting is awaited before the next kill, so a kill never leaves no worker at all.
   */
  private void killWorker() throws IOException, InterruptedException {
    if (startingWorker != null) {
      awaitRunning(startingWorker);
    }
    Process victim = workers.removeFirst();
    victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    startingWorker = startWorker();
  }

  private void restartApi() {
    api.close();
    api = FirmamentServer.application("api").run(apiArgs.toArray(String[]::new));
  }

  private String startWorker() throws IOException {
    String name = "worker-" + ++workersStarted;
    workers.add(
        firmament(name, "384m", List.of("server", "workers", "--services", dataDir.toString())));
    return name;
  }

  /**
   * Starts the simulated fleet as {@code firmament fleet}, slow downloads and a report of what its
   * devices did, and waits until all of them are connected. Returns the product they belong to.
   */
  private String startFleet(int apiPort) throws IOException, InterruptedException {
    fleet =
        firmament(
            "fleet",
            plan.devices() > 2000 ? "1g" : "384m",
            List.of(
                "fleet",
                "--services",
                dataDir.toString(),
                "--api",
                "http://127.0.0.1:" + apiPort,
                "--devices",
                Integer.toString(plan.devices()),
                "--prefix",
                "chaos",
                "--chunk-delay",
                Long.toString(plan.transfer().toMillis()),
                "--report",
                fleetReport().toString()));
    Pattern product = Pattern.compile("connecting \\d+ devices of product (\\S+)");
    Pattern connected = Pattern.compile("firmament fleet: (\\d+)/\\d+ connected");
    Path log = dataDir.resolve("fleet.log");
    // Registering and connecting take about a second for every hundred devices.
    long until = System.nanoTime() + Duration.ofSeconds(120 + plan.devices() / 50).toNanos();
    while (System.nanoTime() < until && fleet.isAlive()) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      Matcher id = product.matcher(text);
      Matcher online = connected.matcher(text);
      int most = 0;
      while (online.find()) {
        most = Math.max(most, Integer.parseInt(online.group(1)));
      }
      if (id.find() && most == plan.devices()) {
        out.printf("campaign: %d devices connected from the fleet process%n", most);
        return id.group(1);
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "the fleet did not connect its "
            + plan.devices()
            + " devices"
            + (fleet.isAlive() ? " in time" : " (it exited " + fleet.exitValue() + ")")
            + " (see "
            + log
            + ")");
  }

  /** Stops the fleet process, which writes its report as it ends, and reads the report. */
  private List<FleetReport.Device> stopFleet() throws IOException, InterruptedException {
    fleet.destroy();
    if (!fleet.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the fleet process did not stop within 60 s");
    }
    return FleetReport.read(fleetReport());
  }

  private Path fleetReport() {
    return dataDir.resolve("fleet-report.tsv");
  }

  /** Starts {@code firmament ARGS} in a JVM of its own, its output in {@code DATA/NAME.log}. */
  private Process firmament(String name, String heap, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Xmx" + heap));
    // The processes compile as this one does: a test JVM's C1-only setting (the build's
    // test.jvm.args) starts three Spring applications on two cores in about two thirds of the time,
    // and a campaign run as a benchmark keeps the default JIT for its workers too.
    command.addAll(compilerFlags());
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), Firmament.class.getName()));
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dataDir.resolve(name + ".log").toFile())
        .start();
  }

  /** This JVM's JIT and class-data-sharing flags, which the processes it starts inherit. */
  static List<String> compilerFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-XX:TieredStopAtLevel=") || a.startsWith("-Xshare:"))
        .toList();
  }

  private void awaitRunning(String name) throws InterruptedException {
    Path log = dataDir.resolve(name + ".log");
    long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < until) {
      try {
        if (Files.exists(log) && Files.readString(log).contains("workers: running")) {
          return;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(name + " did not start within 3 minutes (see " + log + ")");
  }

  /**
   * Waits until {@code done} holds for the job's count of succeeded devices, printing the progress
   * every ten seconds; false when the campaign's deadline passed first. A check that fails (the API
   * or PostgreSQL down) counts as not done.
   */
  private boolean waitFor(long begin, DSLContext dsl, UUID jobId, IntPredicate done)
      throws InterruptedException {
    long deadline = begin + plan.deadline().toNanos();
    long nextPrint = System.nanoTime();
    while (System.nanoTime() < deadline) {
      boolean reached;
      try {
        reached = done.test(succeeded(dsl, jobId));
      } catch (RuntimeException unavailable) {
        reached = false;
      }
      if (reached) {
        return true;
      }
      if (System.nanoTime() >= nextPrint) {
        out.printf("campaign: %ds, %s%n", secondsSince(begin), progress);
        nextPrint = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      Thread.sleep(250);
    }
    return false;
  }

  private int succeeded(DSLContext dsl, UUID jobId) {
    int count =
        dsl.fetchCount(
            OTA_RESULTS, OTA_RESULTS.JOB_ID.eq(jobId).and(OTA_RESULTS.STATE.eq("SUCCEEDED")));
    progress = count + "/" + plan.devices() + " succeeded";
    return count;
  }

  private static boolean ended(GraphqlClient client, UUID jobId) {
    return List.of("SUCCEEDED", "FAILED", "CANCELED", "ABORTED", "ROLLED_BACK", "INTERRUPTED")
        .contains(jobStatus(client, jobId));
  }

  private static String jobStatus(GraphqlClient client, UUID jobId) {
    return client
        .execute(
            "query J($id: ID!) { firmwareOTAJob(id: $id) { status } }",
            Map.of("id", jobId.toString()))
        .path("firmwareOTAJob")
        .path("status")
        .asText();
  }

  private Outcome outcome(
      DSLContext dsl,
      GraphqlClient client,
      UUID jobId,
      List<FleetReport.Device> devices,
      List<String> applied,
      int planned,
      Duration took) {
    String status = jobStatus(client, jobId);
    Map<String, Integer> results = new TreeMap<>();
    for (Record2<String, Integer> r :
        dsl.select(OTA_RESULTS.STATE, DSL.count())
            .from(OTA_RESULTS)
            .where(OTA_RESULTS.JOB_ID.eq(jobId))
            .groupBy(OTA_RESULTS.STATE)
            .fetch()) {
      results.put(r.value1(), r.value2());
    }
    Map<String, Integer> endsByDevice = new LinkedHashMap<>();
    for (Record2<String, Integer> r :
        dsl.select(OTA_RESULT_HISTORY.DEVICE_ID, DSL.count())
            .from(OTA_RESULT_HISTORY)
            .where(OTA_RESULT_HISTORY.JOB_ID.eq(jobId))
            .and(OTA_RESULT_HISTORY.STATE.in(ENDS))
            .groupBy(OTA_RESULT_HISTORY.DEVICE_ID)
            .fetch()) {
      endsByDevice.put(r.value1(), r.value2());
    }
    int historyEnds = endsByDevice.values().stream().mapToInt(i -> i).sum();
    int withoutOneEnd =
        (int) endsByDevice.values().stream().filter(n -> n != 1).count()
            + Math.max(0, plan.devices() - endsByDevice.size());
    int installs = devices.stream().mapToInt(FleetReport.Device::installs).sum();
    int installedTwice = (int) devices.stream().filter(d -> d.installs() > 1).count();
    int onTarget = (int) devices.stream().filter(d -> Demo.TO_VERSION.equals(d.version())).count();
    return new Outcome(
        plan.devices(),
        status,
        results,
        withoutOneEnd,
        historyEnds,
        installs,
        installedTwice,
        onTarget,
        List.copyOf(applied),
        planned,
        took);
  }

  /**
   * The warnings and errors the worker processes logged (the pollers' reconnection noise left out),
   * printed where a build's output keeps them.
   */
  private void printWorkerWarnings() {
    for (int i = 1; i <= workersStarted; i++) {
      String name = "worker-" + i;
      try (Stream<String> lines = Files.lines(dataDir.resolve(name + ".log"))) {
        lines
            .filter(l -> l.contains("level=WARN") || l.contains("level=ERROR"))
            .filter(l -> !l.contains("logger=BasePoller"))
            .limit(WARNINGS_PER_WORKER)
            .forEach(l -> out.println(name + ": " + abbreviate(l)));
      } catch (IOException | UncheckedIOException unreadable) {
        out.println(name + ": log not readable: " + unreadable);
      }
    }
  }

  private static String abbreviate(String line) {
    return line.length() <= 400 ? line : line.substring(0, 400) + "...";
  }

  private static long secondsSince(long begin) {
    return Duration.ofNanos(System.nanoTime() - begin).toSeconds();
  }

  /**
   * A small connection pool for the broker's credential check, which goes on after PostgreSQL
   * restarts (the pool validates a connection before lending it and replaces a broken one) and
   * starts even while PostgreSQL is not up yet. Four connections carry a fleet connecting at once.
   */
  static HikariDataSource brokerPool(Endpoints endpoints) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("broker-credentials");
    config.setJdbcUrl(endpoints.jdbcUrl());
    config.setUsername(endpoints.dbUser());
    config.setPassword(endpoints.dbPassword());
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setInitializationFailTimeout(-1);
    return new HikariDataSource(config);
  }
}
