package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_LOGS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static dev.firmament.sql.generated.Tables.DIAGNOSTIC_EVENTS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.protocol.Telemetry;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceTelemetryReport;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.Record3;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Stores what devices say about their health: vitals ({@code device_vitals}) and log lines ({@code
 * device_logs}), each message within its device's rate ({@code firmament.telemetry.device-rate} per
 * second, 1, bursts of {@code firmament.telemetry.device-burst}, 10), and what the platform
 * concludes from them ({@code diagnostic_events}): a RESET for every start a device reports, and a
 * RESET_LOOP when a device reports {@code firmament.telemetry.reset-loop.count} (3) abnormal resets
 * (watchdog, panic, brown-out, unknown) within {@code firmament.telemetry.reset-loop.window} (10
 * minutes), once per window. A batch is written in one transaction; a message of a device nobody
 * registered is not stored. Rows older than {@code firmament.telemetry.retention} (14 days) are
 * deleted every {@code firmament.telemetry.maintenance-interval} (1 hour), a bounded number at a
 * time.
 */
@Component
public class DeviceTelemetryIngest implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(DeviceTelemetryIngest.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DELETE_CHUNK = 10_000;
  private static final Set<String> ABNORMAL =
      Telemetry.ResetReason.ABNORMAL.stream()
          .map(Enum::name)
          .collect(java.util.stream.Collectors.toSet());

  private final DSLContext dsl;
  private final IngestQueue<DeviceTelemetryReport> queue;
  private final int resetLoopCount;
  private final Duration resetLoopWindow;
  private final Duration retention;
  private final ScheduledExecutorService maintenance;
  private final AtomicLong vitalsStored = new AtomicLong();
  private final AtomicLong linesStored = new AtomicLong();
  private final AtomicLong unknown = new AtomicLong();

  public DeviceTelemetryIngest(
      DSLContext dsl,
      DeviceGateway gateway,
      @Value("${firmament.telemetry.device-rate:1}") double rate,
      @Value("${firmament.telemetry.device-burst:10}") int burst,
      @Value("${firmament.telemetry.queue:100000}") int queueCapacity,
      @Value("${firmament.telemetry.reset-loop.count:3}") int resetLoopCount,
      @Value("${firmament.telemetry.reset-loop.window:10m}") Duration resetLoopWindow,
      @Value("${firmament.telemetry.retention:14d}") Duration retention,
      @Value("${firmament.telemetry.maintenance-interval:1h}") Duration maintenanceInterval) {
    if (resetLoopCount < 2 || resetLoopWindow.isNegative() || resetLoopWindow.isZero()) {
      throw new IllegalArgumentException(
          "firmament.telemetry.reset-loop.count must be at least 2 and its window positive");
    }
    if (retention.toHours() < 1 || maintenanceInterval.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "firmament.telemetry.retention must be at least 1h and its maintenance-interval 1s");
    }
    this.dsl = dsl;
    this.resetLoopCount = resetLoopCount;
    this.resetLoopWindow = resetLoopWindow;
    this.retention = retention;
    this.queue =
        new IngestQueue<>(
            "device telemetry", "firmament.telemetry", rate, burst, queueCapacity, this::write);
    this.maintenance =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("device-telemetry-retention").daemon().factory());
    maintenance.scheduleWithFixedDelay(
        this::prune,
        maintenanceInterval.toSeconds(),
        maintenanceInterval.toSeconds(),
        TimeUnit.SECONDS);
    gateway.onTelemetry(this::accept);
  }

  /** Counts so far. */
  public record Counts(
      long vitals, long logLines, long overRate, long overQueue, long unknownDevice) {}

  public Counts counts() {
    return new Counts(
        vitalsStored.get(), linesStored.get(), queue.overRate(), queue.overQueue(), unknown.get());
  }

  void accept(DeviceTelemetryReport report) {
    // A backfill, and the report of a start (what the health gate counts), draw from the second
    // allowance, so that a device in a reset loop, which sends a few messages per start, does not
    // lose the reports of its starts to its own log lines.
    boolean backfill =
        report.telemetry() instanceof Telemetry.Vitals v
            ? v.isBackfill() || v.resetReason() != null
            : ((Telemetry.Logs) report.telemetry())
                .lines()
                .getFirst()
                .at()
                .isBefore(report.receivedAt().minusSeconds(60));
    queue.accept(report.deviceId(), backfill, report);
  }

  /** A registered device's organization and the version it runs. */
  private record Owner(UUID organizationId, String firmwareVersion) {}

  /** Stores a batch in one transaction. */
  void write(List<DeviceTelemetryReport> batch) {
    Set<String> ids = new LinkedHashSet<>();
    batch.forEach(r -> ids.add(r.deviceId()));
    dsl.transaction(
        tx -> {
          DSLContext db = tx.dsl();
          Map<String, Owner> owners = new HashMap<>();
          for (Record3<String, UUID, String> r :
              db.select(DEVICES.ID, DEVICES.ORGANIZATION_ID, DEVICES.FIRMWARE_VERSION)
                  .from(DEVICES)
                  .where(DEVICES.ID.in(ids))
                  .fetch()) {
            owners.put(r.value1(), new Owner(r.value2(), r.value3()));
          }
          var vitals =
              db.insertInto(
                  DEVICE_VITALS,
                  DEVICE_VITALS.ORGANIZATION_ID,
                  DEVICE_VITALS.DEVICE_ID,
                  DEVICE_VITALS.MEASURED_AT,
                  DEVICE_VITALS.RECEIVED_AT,
                  DEVICE_VITALS.FIRMWARE_VERSION,
                  DEVICE_VITALS.UPTIME_SECONDS,
                  DEVICE_VITALS.RESET_REASON,
                  DEVICE_VITALS.BOOT_COUNT,
                  DEVICE_VITALS.FREE_MEMORY,
                  DEVICE_VITALS.TOTAL_MEMORY,
                  DEVICE_VITALS.SIGNAL_STRENGTH,
                  DEVICE_VITALS.SIGNAL_QUALITY,
                  DEVICE_VITALS.DIAGNOSTICS,
                  DEVICE_VITALS.BACKFILLED);
          var lines =
              db.insertInto(
                  DEVICE_LOGS,
                  DEVICE_LOGS.ORGANIZATION_ID,
                  DEVICE_LOGS.DEVICE_ID,
                  DEVICE_LOGS.LOGGED_AT,
                  DEVICE_LOGS.RECEIVED_AT,
                  DEVICE_LOGS.LOG_LEVEL,
                  DEVICE_LOGS.MESSAGE);
          var diagnostics =
              db.insertInto(
                  DIAGNOSTIC_EVENTS,
                  DIAGNOSTIC_EVENTS.ORGANIZATION_ID,
                  DIAGNOSTIC_EVENTS.DEVICE_ID,
                  DIAGNOSTIC_EVENTS.OCCURRED_AT,
                  DIAGNOSTIC_EVENTS.KIND,
                  DIAGNOSTIC_EVENTS.SEVERITY,
                  DIAGNOSTIC_EVENTS.DETAIL,
                  DIAGNOSTIC_EVENTS.FIRMWARE_VERSION);
          int vitalsCount = 0;
          int lineCount = 0;
          int resets = 0;
          Set<String> abnormal = new LinkedHashSet<>();
          for (DeviceTelemetryReport r : batch) {
            Owner owner = owners.get(r.deviceId());
            if (owner == null) {
              unknown.incrementAndGet();
              continue;
            }
            OffsetDateTime received = utc(r.receivedAt());
            switch (r.telemetry()) {
              case Telemetry.Vitals v -> {
                OffsetDateTime measured = utc(IngestQueue.believable(v.at(), r.receivedAt()));
                vitals.values(
                    owner.organizationId(),
                    r.deviceId(),
                    measured,
                    received,
                    owner.firmwareVersion(),
                    v.uptime(),
                    v.resetReason() == null ? null : v.resetReason().name(),
                    v.bootCount(),
                    v.freeMemory(),
                    v.totalMemory(),
                    v.signalStrength(),
                    v.signalQuality(),
                    json(v.diagnostics()),
                    v.isBackfill());
                vitalsCount++;
                if (v.resetReason() != null) {
                  boolean bad = v.resetReason().abnormal();
                  // The start happened uptime seconds before the measurement.
                  diagnostics.values(
                      owner.organizationId(),
                      r.deviceId(),
                      measured.minusSeconds(v.uptime()),
                      "RESET",
                      bad ? "WARNING" : "INFO",
                      "reset: " + v.resetReason().name().toLowerCase(Locale.ROOT),
                      owner.firmwareVersion());
                  resets++;
                  if (bad) {
                    abnormal.add(r.deviceId());
                  }
                }
              }
              case Telemetry.Logs logs -> {
                for (Telemetry.LogLine line : logs.lines()) {
                  lines.values(
                      owner.organizationId(),
                      r.deviceId(),
                      utc(IngestQueue.believable(line.at(), r.receivedAt())),
                      received,
                      line.level().name(),
                      line.message());
                  lineCount++;
                }
              }
            }
          }
          if (vitalsCount > 0) {
            vitals.execute();
          }
          if (lineCount > 0) {
            lines.execute();
          }
          if (resets > 0) {
            diagnostics.execute();
          }
          if (!abnormal.isEmpty()) {
            detectResetLoops(db, abnormal);
          }
          vitalsStored.addAndGet(vitalsCount);
          linesStored.addAndGet(lineCount);
        });
  }

  /**
   * A RESET_LOOP for each of {@code devices} with at least the threshold of abnormal resets within
   * the window, unless it had one within the window already.
   */
  private void detectResetLoops(DSLContext db, Set<String> devices) {
    var d = DIAGNOSTIC_EVENTS.as("d");
    OffsetDateTime since = utc(Instant.now().minus(resetLoopWindow));
    var earlier = DIAGNOSTIC_EVENTS.as("earlier");
    int loops =
        db.insertInto(
                DIAGNOSTIC_EVENTS,
                DIAGNOSTIC_EVENTS.ORGANIZATION_ID,
                DIAGNOSTIC_EVENTS.DEVICE_ID,
                DIAGNOSTIC_EVENTS.OCCURRED_AT,
                DIAGNOSTIC_EVENTS.KIND,
                DIAGNOSTIC_EVENTS.SEVERITY,
                DIAGNOSTIC_EVENTS.DETAIL,
                DIAGNOSTIC_EVENTS.FIRMWARE_VERSION)
            .select(
                db.select(
                        d.ORGANIZATION_ID,
                        d.DEVICE_ID,
                        DSL.max(d.OCCURRED_AT),
                        DSL.inline("RESET_LOOP"),
                        DSL.inline("CRITICAL"),
                        DSL.inline("")
                            .concat(DSL.count().cast(String.class))
                            .concat(
                                DSL.inline(
                                    " abnormal resets within "
                                        + resetLoopWindow.toMinutes()
                                        + " minutes")),
                        DSL.max(d.FIRMWARE_VERSION))
                    .from(d)
                    .where(d.DEVICE_ID.in(devices))
                    .and(d.KIND.eq("RESET"))
                    .and(d.SEVERITY.eq("WARNING"))
                    .and(d.OCCURRED_AT.gt(since))
                    .andNotExists(
                        DSL.selectOne()
                            .from(earlier)
                            .where(earlier.DEVICE_ID.eq(d.DEVICE_ID))
                            .and(earlier.KIND.eq("RESET_LOOP"))
                            .and(earlier.OCCURRED_AT.gt(since)))
                    .groupBy(d.ORGANIZATION_ID, d.DEVICE_ID)
                    .having(DSL.count().ge(resetLoopCount)))
            .execute();
    if (loops > 0) {
      log.info("device reset loops detected count={} devices={}", loops, devices.size());
    }
  }

  /** Deletes rows past the retention, a bounded number per statement. */
  void prune() {
    try {
      OffsetDateTime cutoff = utc(Instant.now().minus(retention));
      long deleted = 0;
      deleted += pruneTable(DEVICE_VITALS, DEVICE_VITALS.ID, DEVICE_VITALS.RECEIVED_AT, cutoff);
      deleted += pruneTable(DEVICE_LOGS, DEVICE_LOGS.ID, DEVICE_LOGS.RECEIVED_AT, cutoff);
      deleted +=
          pruneTable(
              DIAGNOSTIC_EVENTS, DIAGNOSTIC_EVENTS.ID, DIAGNOSTIC_EVENTS.OCCURRED_AT, cutoff);
      if (deleted > 0) {
        log.info("device telemetry pruned rows={} retention={}", deleted, retention);
      }
    } catch (RuntimeException e) {
      log.warn("device telemetry not pruned, again later: {}", e.getMessage());
    }
  }

  private long pruneTable(
      org.jooq.Table<?> table,
      org.jooq.Field<Long> id,
      org.jooq.Field<OffsetDateTime> at,
      OffsetDateTime cutoff) {
    long total = 0;
    while (true) {
      int n =
          dsl.deleteFrom(table)
              .where(id.in(DSL.select(id).from(table).where(at.lt(cutoff)).limit(DELETE_CHUNK)))
              .execute();
      total += n;
      if (n < DELETE_CHUNK) {
        return total;
      }
    }
  }

  private static OffsetDateTime utc(Instant at) {
    return at.atOffset(ZoneOffset.UTC);
  }

  private static String json(Map<String, Double> diagnostics) {
    try {
      return JSON.writeValueAsString(diagnostics);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits up to {@code timeout} for what is queued to be written. */
  public boolean drain(Duration timeout) throws InterruptedException {
    return queue.drain(timeout);
  }

  @Override
  public void destroy() throws InterruptedException {
    maintenance.shutdownNow();
    queue.stop();
  }
}
