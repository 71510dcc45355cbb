package dev.firmament.workers.bench;

import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.policy.StageSizing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.impl.DSL;

/**
 * The database floor of the rollout benchmark: the rows the engine writes for a staged rollout of
 * devices that succeed at once, written straight to PostgreSQL without Temporal, by a hand-written
 * loop that batches them as tightly as their meaning allows. The engine's time is reported as a
 * ratio of it.
 *
 * <p>What it writes, as the engine does (and no fewer rows, which the benchmark checks per table):
 *
 * <ul>
 *   <li>starting the job: the job row RUNNING, and for every target a QUEUED result with its
 *       history row, in one transaction and one {@code insert … returning} statement, then fresh
 *       statistics for a large job;
 *   <li>per stage: the stage's devices (the engine's assignment statement, by the same stable
 *       hash), its stage row, the job's status detail; the stage row RUNNING, its counters once per
 *       page of devices (as a stage run records them when it continues as new), and its final
 *       status and counters;
 *   <li>per device, in batches: the offer (artifact, SENT, a task token of a real token's size)
 *       with its history row, committed before the device could answer, as an offer must be; then
 *       the outcome (SUCCEEDED, bytes sent, its completion owed) with its history row and the
 *       version the device now runs, in one statement, then the completions marked taken, in one
 *       more (the completion outbox's two writes). The database's audit trigger adds an audit row
 *       per outcome, as it does for the engine;
 *   <li>the job's final status.
 * </ul>
 *
 * <p>What it leaves out, because it is the engine's own cost: Temporal (workflow and activity
 * tasks, histories, continue-as-new, the activities' asynchronous completion), the gateway hop and
 * the status bridge's queues, and the reads the engine makes per device (each delivery reads its
 * target: device, firmware and result). The floor reads only each batch's devices, through the
 * statement that offers them. Its batches are at most 256 devices (the status bridge's largest),
 * smaller when a stage is small so that every thread has work.
 *
 * <p>Concurrency: {@code threads} connections write at once; the benchmark gives it as many as the
 * engine's connection pool holds, the most database work the engine can have in flight (its
 * delivery worker runs up to 200 activities, its status bridge four lanes, all through that pool).
 * On two cores the database's CPU is the limit: 4 connections take as long as 24.
 *
 * <p>The floor counts what PostgreSQL must do for these rows, not disk: the embedded server runs
 * without fsync and with asynchronous commit, for the engine as for the floor.
 */
final class DatabaseFloor {
  /** The status bridge's largest batch of reports. */
  private static final int MAX_BATCH = 256;

  /**
   * The bytes of the task token stored with each offer: the Temporal activity tokens the engine
   * stores in the benchmark are 113 bytes long on average.
   */
  private static final int TASK_TOKEN_BYTES = 113;

  /** Jobs of at least this many targets refresh the statistics after queueing (as JobRecords). */
  private static final int LARGE_JOB = 10_000;

  private static final String NON_TERMINAL =
      Arrays.stream(DeviceUpdateState.values())
          .filter(s -> !s.isTerminal())
          .map(s -> "'" + s.name() + "'")
          .collect(Collectors.joining(", ", "(", ")"));

  private static final String QUEUE =
      "with queued as (insert into ota_results (organization_id, job_id, device_id, state,"
          + " from_version) select d.organization_id, ?, d.id, 'QUEUED', d.firmware_version"
          + " from devices d where d.product_id = ? and d.organization_id = ?"
          + " on conflict do nothing returning organization_id, job_id, device_id, state, attempt)"
          + " insert into ota_result_history (organization_id, job_id, device_id, state, attempt,"
          + " detail) select organization_id, job_id, device_id, state, attempt,"
          + " 'queued by rollout' from queued";

  /** The engine's assignment of a PERCENT or COUNT stage (StageRecords). */
  private static final String ASSIGN =
      "update ota_results u set stage = ?, stage_position = c.base + c.rn"
          + " from (select r.device_id, row_number() over (order by md5(r.device_id), r.device_id) rn,"
          + " (select coalesce(max(stage_position), 0) from ota_results where job_id = ?) base"
          + " from ota_results r where r.job_id = ? and r.stage is null"
          + " order by md5(r.device_id), r.device_id limit ?) c"
          + " where u.job_id = ? and u.device_id = c.device_id";

  private static final String HISTORY =
      " history as (insert into ota_result_history (organization_id, job_id, device_id, state,"
          + " attempt, bytes_sent, error_code, detail) select organization_id, job_id, device_id,"
          + " state, attempt, bytes_sent, error_code, error_message from moved)";

  private static final String OFFER =
      "with moved as (update ota_results set artifact_kind = 'FULL', artifact_sha256 = ?,"
          + " artifact_size_bytes = ?, state = 'SENT', updated_at = now(), error_code = null,"
          + " error_message = ?, task_token = ? where job_id = ? and stage = ?"
          + " and stage_position between ? and ? and state = 'QUEUED'"
          + " returning organization_id, job_id, device_id, state, attempt, bytes_sent,"
          + " error_code, error_message),"
          + HISTORY
          + " select device_id, attempt from moved";

  private static final String OUTCOME =
      "with v (device_id, attempt, version) as (values %s),"
          + " moved as (update ota_results r set state = 'SUCCEEDED', updated_at = now(),"
          + " error_code = null, error_message = null, completion_due = now(),"
          + " bytes_sent = greatest(r.bytes_sent, r.artifact_size_bytes) from v"
          + " where r.job_id = ? and r.device_id = v.device_id and r.attempt = v.attempt"
          + " and r.state in "
          + NON_TERMINAL
          + " returning r.organization_id, r.job_id, r.device_id, r.state, r.attempt,"
          + " r.bytes_sent, r.error_code, r.error_message),"
          + HISTORY
          + ", versions as (update devices d set firmware_version = v.version,"
          + " last_heard = now() from v where d.id = v.device_id)"
          + " select count(*) from moved";

  /**
   * The completions Temporal took, no longer owed: the status bridge's outbox clears them in one
   * statement per batch once Temporal answered (the engine's second write of each result).
   */
  private static final String COMPLETIONS_TAKEN =
      "update ota_results set completion_due = null where job_id = ? and device_id = any(?)"
          + " and completion_due is not null";

  private final DSLContext dsl;
  private final int threads;
  private final int pageSize;

  DatabaseFloor(DSLContext dsl, int threads, int pageSize) {
    this.dsl = dsl;
    this.threads = threads;
    this.pageSize = pageSize;
  }

  private record Job(
      UUID id, UUID organizationId, UUID productId, String version, String sha256, long size) {}

  /** Runs the job's rollout through the given stages; returns its wall time in seconds. */
  double run(UUID jobId, List<StagePlan> stages) throws Exception {
    long start = System.nanoTime();
    Job job = start(jobId);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int index = 0; index < stages.size(); index++) {
        runStage(job, index, stages.get(index), pool);
      }
    } finally {
      pool.shutdownNow();
    }
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS, "SUCCEEDED")
        .set(OTA_JOBS.FINISHED_AT, DSL.currentOffsetDateTime())
        .where(OTA_JOBS.ID.eq(jobId))
        .execute();
    return (System.nanoTime() - start) / 1e9;
  }

  private Job start(UUID jobId) {
    Job job =
        dsl.select(
                OTA_JOBS.ORGANIZATION_ID,
                OTA_JOBS.PRODUCT_ID,
                OTA_JOBS.TARGET_VERSION,
                PRODUCT_FIRMWARE.SHA256,
                PRODUCT_FIRMWARE.SIZE_BYTES)
            .from(OTA_JOBS)
            .join(PRODUCT_FIRMWARE)
            .on(PRODUCT_FIRMWARE.ID.eq(OTA_JOBS.FIRMWARE_ID))
            .where(OTA_JOBS.ID.eq(jobId))
            .fetchSingle(
                r -> new Job(jobId, r.value1(), r.value2(), r.value3(), r.value4(), r.value5()));
    int queued =
        dsl.transactionResult(
            tx -> {
              DSLContext t = tx.dsl();
              t.execute(
                  "update ota_jobs set status = 'RUNNING', started_at = now(), total_devices ="
                      + " (select count(*) from devices where product_id = ? and organization_id = ?)"
                      + " where id = ?",
                  job.productId(),
                  job.organizationId(),
                  jobId);
              return t.execute(QUEUE, jobId, job.productId(), job.organizationId());
            });
    if (queued >= LARGE_JOB) {
      dsl.execute("analyze ota_results");
      dsl.execute("analyze ota_result_history");
    }
    return job;
  }

  private void runStage(Job job, int index, StagePlan plan, ExecutorService pool) throws Exception {
    int assigned =
        dsl.transactionResult(
            tx -> {
              DSLContext t = tx.dsl();
              t.select(OTA_JOBS.ID)
                  .from(OTA_JOBS)
                  .where(OTA_JOBS.ID.eq(job.id()))
                  .forUpdate()
                  .fetch();
              int remaining =
                  t.fetchCount(
                      OTA_RESULTS, OTA_RESULTS.JOB_ID.eq(job.id()).and(OTA_RESULTS.STAGE.isNull()));
              int limit = StageSizing.size(plan.selection(), remaining);
              int n =
                  limit == 0 ? 0 : t.execute(ASSIGN, index, job.id(), job.id(), limit, job.id());
              t.insertInto(OTA_STAGES)
                  .set(OTA_STAGES.ORGANIZATION_ID, job.organizationId())
                  .set(OTA_STAGES.JOB_ID, job.id())
                  .set(OTA_STAGES.STAGE_INDEX, index)
                  .set(OTA_STAGES.NAME, plan.name())
                  .set(OTA_STAGES.KIND, "UPDATE")
                  .set(OTA_STAGES.STATUS, "PENDING")
                  .set(OTA_STAGES.ASSIGNED, n)
                  .execute();
              t.update(OTA_JOBS)
                  .set(OTA_JOBS.STATUS_DETAIL, "stage " + index + " (" + plan.name() + ")")
                  .where(OTA_JOBS.ID.eq(job.id()))
                  .execute();
              return n;
            });
    recordStage(job, index, "RUNNING", assigned, 0);
    Record2<Long, Long> positions =
        dsl.select(DSL.min(OTA_RESULTS.STAGE_POSITION), DSL.max(OTA_RESULTS.STAGE_POSITION))
            .from(OTA_RESULTS)
            .where(OTA_RESULTS.JOB_ID.eq(job.id()))
            .and(OTA_RESULTS.STAGE.eq(index))
            .fetchSingle();
    AtomicInteger done = new AtomicInteger();
    if (assigned > 0) {
      // The assignment numbers the stage's devices without gaps, so batches are position ranges.
      int batch = Math.clamp((assigned + threads - 1) / threads, 1, MAX_BATCH);
      List<Future<?>> batches = new ArrayList<>();
      for (long from = positions.value1(); from <= positions.value2(); from += batch) {
        long first = from;
        long last = Math.min(positions.value2(), from + batch - 1);
        batches.add(
            pool.submit(
                () -> {
                  int n = deliver(job, index, first, last);
                  int before = done.getAndAdd(n);
                  if (before / pageSize != (before + n) / pageSize) {
                    recordStage(job, index, "RUNNING", assigned, before + n);
                  }
                }));
      }
      for (Future<?> f : batches) {
        f.get();
      }
    }
    recordStage(job, index, "SUCCEEDED", assigned, done.get());
  }

  /** Offers a batch, then records the outcome its devices report at once; returns how many. */
  private int deliver(Job job, int index, long first, long last) {
    List<Record> offered =
        dsl.fetch(
            OFFER,
            job.sha256(),
            job.size(),
            "offered FULL " + job.size() + " bytes",
            new byte[TASK_TOKEN_BYTES],
            job.id(),
            index,
            first,
            last);
    if (offered.isEmpty()) {
      return 0;
    }
    List<Object> binds = new ArrayList<>(offered.size() * 3 + 1);
    for (Record r : offered) {
      binds.add(r.get(0, String.class));
      binds.add(r.get(1, Integer.class));
      binds.add(job.version());
    }
    binds.add(job.id());
    String values =
        String.join(
            ", ", Collections.nCopies(offered.size(), "(?::varchar, ?::integer, ?::varchar)"));
    int moved =
        dsl.fetchSingle(String.format(OUTCOME, values), binds.toArray()).get(0, Integer.class);
    dsl.execute(
        COMPLETIONS_TAKEN,
        job.id(),
        offered.stream().map(r -> r.get(0, String.class)).toArray(String[]::new));
    return moved;
  }

  private void recordStage(Job job, int index, String status, int assigned, int done) {
    dsl.update(OTA_STAGES)
        .set(OTA_STAGES.STATUS, status)
        .set(OTA_STAGES.ASSIGNED, assigned)
        .set(OTA_STAGES.STARTED, done)
        .set(OTA_STAGES.SUCCEEDED, done)
        .set(OTA_STAGES.UPDATED_AT, DSL.currentOffsetDateTime())
        .set(
            OTA_STAGES.FINISHED_AT,
            "SUCCEEDED".equals(status)
                ? DSL.currentOffsetDateTime()
                : DSL.val(null, OTA_STAGES.FINISHED_AT))
        .where(OTA_STAGES.JOB_ID.eq(job.id()))
        .and(OTA_STAGES.STAGE_INDEX.eq(index))
        .execute();
  }
}
