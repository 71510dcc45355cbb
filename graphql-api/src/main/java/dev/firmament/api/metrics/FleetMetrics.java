package dev.firmament.api.metrics;

import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static dev.firmament.sql.generated.Tables.WEBHOOK_DELIVERIES;

import dev.firmament.api.rollout.RolloutPlans;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.StagePlan;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The fleet's numbers as gauges, read from PostgreSQL, the system of record, so that every API
 * replica reports the same and a scrape never waits for the database: a few aggregate statements
 * every {@code firmament.metrics.refresh} (10 s) fill a snapshot the gauges read.
 *
 * <ul>
 *   <li>{@code firmament_rollouts{status}}: rollouts per status, every status always present;
 *   <li>{@code firmament_rollout_stage_devices{job,stage,state}}: a stage's device counts (as the
 *       stage workflow writes them to {@code ota_stages}), for rollouts that are not finished or
 *       finished within {@code firmament.metrics.finished-window} (1 h);
 *   <li>{@code firmament_rollout_stage_failure_rate{job,stage}} and {@code
 *       ..._failure_threshold{job,stage}}: the share of the stage's finished devices that count as
 *       failures for its gate, and the gate's {@code maxFailureRate}, for the same rollouts;
 *   <li>{@code firmament_ota_bytes_sent_bytes{artifact_kind}}: bytes sent to the devices of the
 *       same rollouts by the kind of artifact offered ({@code FULL}, {@code DELTA}, {@code
 *       DELTA_CHAIN}, {@code DELTA_IN_PLACE}, {@code NONE}); the gateway's own counter is the
 *       running total;
 *   <li>{@code firmament_delta_builds{status}}, {@code firmament_delta_build_time_seconds} and
 *       {@code firmament_delta_size_ratio}: the deltas built in the last 24 hours by status, and
 *       the published ones' mean build time and mean size against their target image;
 *   <li>{@code firmament_webhook_backlog}: webhook deliveries waiting to be sent.
 * </ul>
 */
@Component
public class FleetMetrics implements MeterBinder {
  private static final Logger log = LoggerFactory.getLogger(FleetMetrics.class);

  /** The per-stage state names, in the order of {@link StageCounters}. */
  static final List<String> STAGE_STATES =
      List.of(
          "assigned",
          "started",
          "in_flight",
          "succeeded",
          "skipped",
          "failed",
          "timed_out",
          "rejected",
          "rolled_back",
          "unhealthy");

  private final DSLContext dsl;
  private final Duration finishedWindow;
  private volatile Snapshot snapshot = Snapshot.EMPTY;
  private final List<MultiGauge> multiGauges = new ArrayList<>();
  private MultiGauge rollouts;
  private MultiGauge stageDevices;
  private MultiGauge failureRate;
  private MultiGauge failureThreshold;
  private MultiGauge bytesSent;
  private MultiGauge deltaBuilds;

  public FleetMetrics(
      DSLContext dsl, @Value("${firmament.metrics.finished-window:1h}") Duration finishedWindow) {
    this.dsl = dsl;
    this.finishedWindow = finishedWindow;
  }

  /** What the gauges report, read at one refresh. */
  record Snapshot(
      Map<String, Long> rollouts,
      Map<StageKey, StageCounters> stages,
      Map<StageKey, GateNumbers> gates,
      Map<String, Long> bytesByKind,
      Map<String, Long> deltaBuilds,
      double deltaBuildSeconds,
      double deltaSizeRatio,
      long webhookBacklog) {
    static final Snapshot EMPTY =
        new Snapshot(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Double.NaN, Double.NaN, 0);
  }

  /** A stage of a rollout. */
  record StageKey(UUID job, int stage) {}

  /** A stage's failure rate as its gate counts it, and the gate's threshold. */
  record GateNumbers(double failureRate, double threshold) {}

  @Override
  public void bindTo(MeterRegistry registry) {
    rollouts = gauge(registry, "firmament.rollouts", "Rollouts per status", null);
    stageDevices =
        gauge(
            registry,
            "firmament.rollout.stage.devices",
            "Devices of a rollout's stage per state, as its workflow counts them",
            null);
    failureRate =
        gauge(
            registry,
            "firmament.rollout.stage.failure.rate",
            "Share of the stage's finished devices that its gate counts as failures",
            null);
    failureThreshold =
        gauge(
            registry,
            "firmament.rollout.stage.failure.threshold",
            "The stage gate's maxFailureRate",
            null);
    bytesSent =
        gauge(
            registry,
            "firmament.ota.bytes.sent",
            "Bytes sent to the devices of rollouts running or finished within the window, by the"
                + " kind of artifact offered",
            "bytes");
    deltaBuilds =
        gauge(registry, "firmament.delta.builds", "Deltas built in the last 24 h, by status", null);
    Gauge.builder("firmament.delta.build.time", this, m -> m.snapshot.deltaBuildSeconds())
        .description("Mean build time of the deltas published in the last 24 h")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("firmament.delta.size.ratio", this, m -> m.snapshot.deltaSizeRatio())
        .description(
            "Mean size of the deltas published in the last 24 h against their target image")
        .register(registry);
    Gauge.builder("firmament.webhook.backlog", this, m -> m.snapshot.webhookBacklog())
        .description("Webhook deliveries waiting to be sent")
        .register(registry);
    refresh();
  }

  private MultiGauge gauge(MeterRegistry registry, String name, String description, String unit) {
    MultiGauge.Builder builder = MultiGauge.builder(name).description(description);
    if (unit != null) {
      builder = builder.baseUnit(unit);
    }
    MultiGauge gauge = builder.register(registry);
    multiGauges.add(gauge);
    return gauge;
  }

  /** Reads the numbers again and hands them to the gauges. */
  @Scheduled(
      fixedDelayString = "${firmament.metrics.refresh:10s}",
      initialDelayString = "${firmament.metrics.refresh:10s}")
  public void refresh() {
    if (rollouts == null) {
      return;
    }
    Snapshot s;
    try {
      s = read();
    } catch (RuntimeException e) {
      // The database is away: the gauges keep the last numbers; health says the rest.
      log.warn("fleet metrics not refreshed error={}", e.toString());
      return;
    }
    snapshot = s;
    publish(s);
  }

  /** The current snapshot (for tests and for a refresh on demand). */
  Snapshot snapshot() {
    return snapshot;
  }

  Snapshot read() {
    Map<String, Long> byStatus = new LinkedHashMap<>();
    for (RolloutStatus status : RolloutStatus.values()) {
      byStatus.put(status.name(), 0L);
    }
    dsl.select(OTA_JOBS.STATUS, DSL.count())
        .from(OTA_JOBS)
        .groupBy(OTA_JOBS.STATUS)
        .forEach(r -> byStatus.put(r.value1(), r.value2().longValue()));

    OffsetDateTime since = OffsetDateTime.now().minus(finishedWindow);
    Map<StageKey, StageCounters> stages = new LinkedHashMap<>();
    Map<UUID, String> plans = new HashMap<>();
    dsl.select(
            OTA_STAGES.JOB_ID,
            OTA_STAGES.STAGE_INDEX,
            OTA_STAGES.ASSIGNED,
            OTA_STAGES.STARTED,
            OTA_STAGES.IN_FLIGHT,
            OTA_STAGES.SUCCEEDED,
            OTA_STAGES.SKIPPED,
            OTA_STAGES.FAILED,
            OTA_STAGES.TIMED_OUT,
            OTA_STAGES.REJECTED,
            OTA_STAGES.ROLLED_BACK,
            OTA_STAGES.UNHEALTHY,
            OTA_JOBS.PLAN)
        .from(OTA_STAGES)
        .join(OTA_JOBS)
        .on(OTA_JOBS.ID.eq(OTA_STAGES.JOB_ID))
        .where(OTA_JOBS.FINISHED_AT.isNull().or(OTA_JOBS.FINISHED_AT.ge(since)))
        .orderBy(OTA_STAGES.JOB_ID, OTA_STAGES.STAGE_INDEX)
        .forEach(
            r -> {
              stages.put(
                  new StageKey(r.value1(), r.value2()),
                  new StageCounters(
                      r.value3(),
                      r.value4(),
                      r.value5(),
                      r.value6(),
                      r.value7(),
                      r.value8(),
                      r.value9(),
                      r.value10(),
                      r.value11(),
                      r.value12()));
              plans.putIfAbsent(r.value1(), r.value13());
            });
    Map<StageKey, GateNumbers> gates = new LinkedHashMap<>();
    Map<UUID, Optional<RolloutPlan>> parsed = new HashMap<>();
    stages.forEach(
        (key, counters) ->
            gate(parsed.computeIfAbsent(key.job(), j -> plan(plans.get(j))), key.stage())
                .ifPresent(gate -> gates.put(key, numbers(gate, counters))));

    Map<String, Long> bytes = new LinkedHashMap<>();
    for (String k : List.of("FULL", "DELTA", "DELTA_CHAIN", "DELTA_IN_PLACE", "NONE")) {
      bytes.put(k, 0L);
    }
    // Over the same rollouts as the stages: results are read by job (an index), never all of them.
    var kind = DSL.coalesce(OTA_RESULTS.ARTIFACT_KIND, DSL.inline("NONE"));
    dsl.select(kind, DSL.sum(OTA_RESULTS.BYTES_SENT))
        .from(OTA_RESULTS)
        .join(OTA_JOBS)
        .on(OTA_JOBS.ID.eq(OTA_RESULTS.JOB_ID))
        .where(OTA_JOBS.FINISHED_AT.isNull().or(OTA_JOBS.FINISHED_AT.ge(since)))
        .groupBy(kind)
        .forEach(r -> bytes.put(r.value1(), r.value2() == null ? 0 : r.value2().longValue()));

    OffsetDateTime day = OffsetDateTime.now().minusDays(1);
    Map<String, Long> deltas = new LinkedHashMap<>();
    for (String status : List.of("PUBLISHED", "FULL_PREFERRED", "FAILED")) {
      deltas.put(status, 0L);
    }
    dsl.select(FIRMWARE_DELTAS.STATUS, DSL.count())
        .from(FIRMWARE_DELTAS)
        .where(FIRMWARE_DELTAS.CREATED_AT.ge(day))
        .and(FIRMWARE_DELTAS.VARIANT.eq("BUILD"))
        .groupBy(FIRMWARE_DELTAS.STATUS)
        .forEach(r -> deltas.put(r.value1(), r.value2().longValue()));
    var published =
        dsl.select(
                DSL.avg(FIRMWARE_DELTAS.BUILD_MS),
                DSL.avg(
                    FIRMWARE_DELTAS
                        .SIZE_BYTES
                        .cast(Double.class)
                        .div(DSL.nullif(PRODUCT_FIRMWARE.SIZE_BYTES, 0L).cast(Double.class))))
            .from(FIRMWARE_DELTAS)
            .join(PRODUCT_FIRMWARE)
            .on(PRODUCT_FIRMWARE.ID.eq(FIRMWARE_DELTAS.TO_FIRMWARE_ID))
            .where(FIRMWARE_DELTAS.CREATED_AT.ge(day))
            .and(FIRMWARE_DELTAS.STATUS.eq("PUBLISHED"))
            .and(FIRMWARE_DELTAS.VARIANT.eq("BUILD"))
            .fetchOne();
    double buildSeconds =
        published == null || published.value1() == null
            ? Double.NaN
            : published.value1().doubleValue() / 1000.0;
    double ratio =
        published == null || published.value2() == null
            ? Double.NaN
            : published.value2().doubleValue();

    long backlog = dsl.fetchCount(WEBHOOK_DELIVERIES, WEBHOOK_DELIVERIES.STATE.eq("PENDING"));
    return new Snapshot(
        Map.copyOf(byStatus),
        stages,
        gates,
        Map.copyOf(bytes),
        Map.copyOf(deltas),
        buildSeconds,
        ratio,
        backlog);
  }

  private static Optional<RolloutPlan> plan(String json) {
    try {
      return RolloutPlans.parse(json);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<GatePlan> gate(Optional<RolloutPlan> plan, int stage) {
    return plan.filter(p -> stage < p.stages().size())
        .map(p -> p.stages().get(stage))
        .map(StagePlan::gate);
  }

  /** The failure rate the stage's gate judges, and its threshold (see FailureRateGate). */
  static GateNumbers numbers(GatePlan gate, StageCounters counters) {
    int finished = counters.finished();
    double rate =
        finished == 0
            ? 0
            : Math.min(finished, counters.failures(gate.countedFailures())) / (double) finished;
    return new GateNumbers(rate, gate.maxFailureRate());
  }

  private void publish(Snapshot s) {
    rollouts.register(
        s.rollouts().entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of("status", e.getKey()), e.getValue()))
            .toList(),
        true);
    List<MultiGauge.Row<?>> devices = new ArrayList<>();
    s.stages()
        .forEach(
            (key, c) -> {
              int[] values = {
                c.assigned(),
                c.started(),
                c.inFlight(),
                c.succeeded(),
                c.skipped(),
                c.failed(),
                c.timedOut(),
                c.rejected(),
                c.rolledBack(),
                c.unhealthy()
              };
              for (int i = 0; i < values.length; i++) {
                devices.add(
                    MultiGauge.Row.of(stageTags(key).and("state", STAGE_STATES.get(i)), values[i]));
              }
            });
    stageDevices.register(devices, true);
    failureRate.register(
        s.gates().entrySet().stream()
            .map(e -> MultiGauge.Row.of(stageTags(e.getKey()), e.getValue().failureRate()))
            .toList(),
        true);
    failureThreshold.register(
        s.gates().entrySet().stream()
            .map(e -> MultiGauge.Row.of(stageTags(e.getKey()), e.getValue().threshold()))
            .toList(),
        true);
    bytesSent.register(
        s.bytesByKind().entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of("artifact_kind", e.getKey()), e.getValue()))
            .toList(),
        true);
    deltaBuilds.register(
        s.deltaBuilds().entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of("status", e.getKey()), e.getValue()))
            .toList(),
        true);
  }

  private static Tags stageTags(StageKey key) {
    return Tags.of("job", key.job().toString(), "stage", Integer.toString(key.stage()));
  }
}
