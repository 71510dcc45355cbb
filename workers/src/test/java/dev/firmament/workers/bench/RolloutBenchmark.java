package dev.firmament.workers.bench;

import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.firmament.artifact.ArtifactStore;
import dev.firmament.artifact.StoredArtifact;
import dev.firmament.devstack.EmbeddedPostgres;
import dev.firmament.devstack.EmbeddedTemporal;
import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.RolloutProgress;
import dev.firmament.orchestrator.rollout.RolloutRequest;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.RolloutWorkflow;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import dev.firmament.orchestrator.rollout.TaskQueues;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.workers.WorkersConfiguration;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The rollout engine's benchmark (not a test of speed: it only runs when asked, see
 * bench/rollout/run.sh): a staged rollout of {@code firmament.bench.devices} simulated devices that
 * succeed at once, through the real workflows and activities, the real status bridge and the real
 * repositories, on embedded PostgreSQL and the embedded Temporal server. It prints progress, wall
 * time, devices per second, history events per device and peak heap, and the rows written per
 * device. Unless {@code firmament.bench.floor} is false, it also measures the {@link DatabaseFloor}
 * on another fleet of the same size, in the same run, and reports the engine's time as a ratio of
 * it.
 */
class RolloutBenchmark {
  private static final String VERSION = "2.0.0";

  @Test
  @EnabledIfSystemProperty(named = "firmament.bench", matches = "true")
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void stagedRolloutOfASimulatedFleet() throws Exception {
    int devices = Integer.getInteger("firmament.bench.devices", 100_000);
    int maxInFlight = Integer.getInteger("firmament.bench.maxInFlight", 1000);
    int pageSize = Integer.getInteger("firmament.bench.pageSize", 1000);
    int warmup = Integer.getInteger("firmament.bench.warmup", 10_000);
    boolean floor = Boolean.parseBoolean(System.getProperty("firmament.bench.floor", "true"));
    Path data = Files.createTempDirectory("firmament-bench");
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(data.resolve("pg"), 0);
        EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      HikariConfig pool = new HikariConfig();
      pool.setJdbcUrl(postgres.jdbcUrl());
      pool.setUsername(postgres.username());
      pool.setPassword(postgres.password());
      pool.setMaximumPoolSize(24);
      try (HikariDataSource dataSource = new HikariDataSource(pool)) {
        Flyway.configure().dataSource(dataSource).load().migrate();
        DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
        WorkflowServiceStubs service =
            WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
        WorkflowClient client =
            WorkflowClient.newInstance(
                service,
                WorkflowClientOptions.newBuilder().setNamespace(temporal.namespace()).build());
        MemoryArtifactStore store = new MemoryArtifactStore();
        Bench.dsl = dsl;
        Bench.client = client;
        Bench.store = store;

        UUID warmupJob = warmup > 0 ? seed(dsl, store, warmup, "warmup") : null;
        UUID jobId = seed(dsl, store, devices, "sim");
        UUID floorJob = floor ? seed(dsl, store, devices, "floor") : null;
        System.out.printf("seeded %,d devices%s%n", devices, floor ? ", twice" : "");
        // The context starts the Temporal workers (TemporalWorkers) and the status bridge.
        AnnotationConfigApplicationContext context =
            new AnnotationConfigApplicationContext(Bench.class);
        try {
          if (warmupJob != null) {
            // A long-running worker has compiled its hot paths long before a large rollout: an
            // earlier, smaller rollout in the same JVM does that here (firmament.bench.warmup=0
            // measures a cold JVM).
            System.out.printf("warm-up rollout of %,d other devices%n", warmup);
            run(client, warmupJob, warmup, maxInFlight, pageSize, dsl);
          }
          Measured floorRun = null;
          if (floorJob != null) {
            // Before the measured rollout, so that the floor runs on the database the engine would
            // have had; the engine then runs with the floor's rows in its tables as well.
            int threads =
                Integer.getInteger("firmament.bench.floorThreads", pool.getMaximumPoolSize());
            System.out.printf(
                "%ndatabase floor of %,d other devices (%d connections)%n", devices, threads);
            DatabaseFloor databaseFloor = new DatabaseFloor(dsl, threads, pageSize);
            RowWrites before = RowWrites.snapshot(dataSource, dsl);
            double seconds = databaseFloor.run(floorJob, plan(devices, maxInFlight).stages());
            floorRun = new Measured(seconds, RowWrites.snapshot(dataSource, dsl).since(before));
            assertThat(succeeded(dsl, floorJob)).isEqualTo(devices);
          }
          System.out.printf("%nmeasured rollout of %,d devices%n", devices);
          RowWrites before = RowWrites.snapshot(dataSource, dsl);
          double seconds = run(client, jobId, devices, maxInFlight, pageSize, dsl);
          Measured engine =
              new Measured(seconds, RowWrites.snapshot(dataSource, dsl).since(before));
          System.out.printf("rows written        %s%n", engine.rows().perDevice(devices));
          if (floorRun != null) {
            System.out.printf(
                "database floor      %.1f s (%s)%n",
                floorRun.seconds(), floorRun.rows().perDevice(devices));
            System.out.printf("engine / floor      %.2fx%n", engine.seconds() / floorRun.seconds());
            // The floor writes as many rows per device as the engine to every table the engine
            // writes per device. (Per job and stage the engine writes a few rows more: it records
            // the job RUNNING twice, its stage counters at other moments, and now and then a
            // device's version twice when two of its reports share no batch.)
            for (String table : engine.rows().byTable().keySet()) {
              if (engine.rows().of(table) >= devices) {
                assertThat(floorRun.rows().of(table) / devices)
                    .as("rows per device the floor writes to %s", table)
                    .isGreaterThanOrEqualTo(engine.rows().of(table) / devices);
              }
            }
          }
        } finally {
          context.close();
        }
        service.shutdownNow();
      }
    }
  }

  /** A phase's wall time and the rows it wrote. */
  private record Measured(double seconds, RowWrites rows) {}

  /** A 1 % canary by count, 10 % of the rest, then the rest. */
  private static RolloutPlan plan(int devices, int maxInFlight) {
    return new RolloutPlan(
        List.of(
            stage("canary", StageSelection.count(Math.max(1, devices / 100)), maxInFlight),
            stage("wave", StageSelection.percent(10), maxInFlight),
            stage("rest", StageSelection.percent(100), maxInFlight)),
        null,
        null,
        null,
        false);
  }

  private static int succeeded(DSLContext dsl, UUID jobId) {
    return dsl.fetchCount(
        OTA_RESULTS, OTA_RESULTS.JOB_ID.eq(jobId).and(OTA_RESULTS.STATE.eq("SUCCEEDED")));
  }

  /** Runs the job's rollout through the engine, prints what it measured; returns wall time. */
  private double run(
      WorkflowClient client, UUID jobId, int devices, int maxInFlight, int pageSize, DSLContext dsl)
      throws Exception {
    RolloutPlan plan = plan(devices, maxInFlight);
    RolloutWorkflow workflow =
        client.newWorkflowStub(
            RolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.ROLLOUT)
                .setWorkflowId(TaskQueues.rolloutWorkflowId(jobId.toString()))
                .build());
    long heapBefore = resetPeakHeap();
    long start = System.nanoTime();
    WorkflowClient.start(
        workflow::run,
        new RolloutRequest(jobId.toString(), maxInFlight, Duration.ofMinutes(5), pageSize, plan));
    CompletableFuture<RolloutProgress> result =
        WorkflowStub.fromTyped(workflow).getResultAsync(RolloutProgress.class);
    while (!result.isDone()) {
      try {
        result.get(2, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        int done = succeeded(dsl, jobId);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "%6.1f s  %,9d of %,d devices succeeded  (%,.0f devices/s)%n",
            seconds, done, devices, done / seconds);
      }
    }
    RolloutProgress progress = result.get();
    double seconds = (System.nanoTime() - start) / 1e9;
    long peakHeap = peakHeap();

    int succeeded = succeeded(dsl, jobId);
    long events = historyEvents(client, jobId.toString());
    System.out.printf(
        "%nrollout %s %s: %,d devices, %,d results SUCCEEDED in PostgreSQL%n",
        jobId, progress.status(), devices, succeeded);
    System.out.printf("wall time           %.1f s%n", seconds);
    System.out.printf("devices per second  %,.0f%n", devices / seconds);
    System.out.printf(
        "history events      %,d in total, %.2f per device (parent and every stage run)%n",
        events, (double) events / devices);
    System.out.printf(
        "peak heap           %,d MB (heap in use before the rollout: %,d MB)%n",
        peakHeap >> 20, heapBefore >> 20);
    assertThat(progress.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(succeeded).isEqualTo(devices);
    return seconds;
  }

  private static StagePlan stage(String name, StageSelection selection, int maxInFlight) {
    return new StagePlan(
        name, selection, maxInFlight, null, Duration.ZERO, null, AdvanceMode.AUTOMATIC);
  }

  /** Every event of the rollout: the parent and every run of every stage child. */
  private static long historyEvents(WorkflowClient client, String jobId) {
    List<HistoryEvent> parent =
        client.fetchHistory(TaskQueues.rolloutWorkflowId(jobId)).getEvents();
    long events = parent.size();
    for (HistoryEvent event : parent) {
      if (event.getEventType() != EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
        continue;
      }
      var execution =
          event.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
      String runId = execution.getRunId();
      while (runId != null) {
        List<HistoryEvent> run = client.fetchHistory(execution.getWorkflowId(), runId).getEvents();
        events += run.size();
        HistoryEvent last = run.getLast();
        runId =
            last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
                : null;
      }
    }
    return events;
  }

  private static long resetPeakHeap() {
    System.gc();
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        used += pool.getUsage().getUsed();
        pool.resetPeakUsage();
      }
    }
    return used;
  }

  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  /** One organization, product and firmware, the fleet (inserted in bulk) and the job row. */
  private static UUID seed(DSLContext dsl, ArtifactStore store, int devices, String name) {
    UUID org = UUID.randomUUID();
    UUID product = UUID.randomUUID();
    UUID firmware = UUID.randomUUID();
    UUID job = UUID.randomUUID();
    dsl.insertInto(ORGANIZATIONS)
        .set(ORGANIZATIONS.ID, org)
        .set(ORGANIZATIONS.SLUG, "bench-" + name)
        .set(ORGANIZATIONS.NAME, "Bench")
        .execute();
    dsl.insertInto(PRODUCTS)
        .set(PRODUCTS.ID, product)
        .set(PRODUCTS.ORGANIZATION_ID, org)
        .set(PRODUCTS.SLUG, "fleet")
        .set(PRODUCTS.NAME, "Fleet")
        .execute();
    StoredArtifact image = store.put("full", new byte[4096]);
    dsl.insertInto(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.ID, firmware)
        .set(PRODUCT_FIRMWARE.ORGANIZATION_ID, org)
        .set(PRODUCT_FIRMWARE.PRODUCT_ID, product)
        .set(PRODUCT_FIRMWARE.VERSION, VERSION)
        .set(PRODUCT_FIRMWARE.SHA256, image.sha256())
        .set(PRODUCT_FIRMWARE.SIZE_BYTES, image.size())
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, image.storageKey())
        .execute();
    dsl.execute(
        "insert into devices (id, organization_id, product_id, name, firmware_version, online)"
            + " select ? || '-' || lpad(i::text, 7, '0'), ?, ?, ? || ' ' || i, '1.0.0', true"
            + " from generate_series(1, ?) i",
        name,
        org,
        product,
        name,
        devices);
    dsl.insertInto(OTA_JOBS)
        .set(OTA_JOBS.ID, job)
        .set(OTA_JOBS.ORGANIZATION_ID, org)
        .set(OTA_JOBS.PRODUCT_ID, product)
        .set(OTA_JOBS.FIRMWARE_ID, firmware)
        .set(OTA_JOBS.TARGET_VERSION, VERSION)
        .set(OTA_JOBS.TARGET_KIND, "PRODUCT")
        .set(OTA_JOBS.STATUS, RolloutStatus.SCHEDULED.name())
        .set(OTA_JOBS.MAX_IN_FLIGHT, 1000)
        .set(OTA_JOBS.WORKFLOW_ID, TaskQueues.rolloutWorkflowId(job.toString()))
        .set(OTA_JOBS.TOTAL_DEVICES, devices)
        .execute();
    dsl.execute("analyze");
    return job;
  }

  /**
   * The workers' own Spring wiring, with the benchmark's fleet, artifact store, database and
   * Temporal client in place of the process's.
   */
  @Configuration(proxyBeanMethods = false)
  @Import(WorkersConfiguration.class)
  static class Bench {
    static DSLContext dsl;
    static WorkflowClient client;
    static ArtifactStore store;

    @Bean
    DSLContext dslContext() {
      return dsl;
    }

    @Bean
    WorkflowClient workflowClient() {
      return client;
    }

    @Bean
    ArtifactStore artifactStore() {
      return store;
    }

    @Bean(destroyMethod = "close")
    DeviceGateway deviceGateway() {
      return new InstantSuccessGateway();
    }
  }
}
