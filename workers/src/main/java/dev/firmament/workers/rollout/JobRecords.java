package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.orchestrator.rollout.GateBreach;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.sql.SharedDevices;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/**
 * A rollout job's lifecycle in {@code ota_jobs}: started (with a result queued for every target),
 * its status while it runs, and its final status, written once. Every write is idempotent, because
 * activities may run twice, and a final status is never rewritten.
 */
@Repository
public class JobRecords {
  /** Jobs of at least this many targets refresh the results' statistics after queueing them. */
  static final int LARGE_JOB = 10_000;

  /** The name of the event a gate's breach publishes. */
  public static final String GATE_EVENT = "firmament/rollout/gate";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final DSLContext dsl;
  private final JobTargets targets;
  private final ResultTransitions transitions;

  public JobRecords(DSLContext dsl, JobTargets targets, ResultTransitions transitions) {
    this.dsl = dsl;
    this.targets = targets;
    this.transitions = transitions;
  }

  public Optional<OtaJobsRecord> job(UUID jobId) {
    return dsl.selectFrom(OTA_JOBS).where(OTA_JOBS.ID.eq(jobId)).fetchOptional();
  }

  /**
   * Marks the job RUNNING and queues a result for every current target, in one transaction. Running
   * it again changes nothing but the count it returns.
   */
  public int startJob(OtaJobsRecord job) {
    int total = queueAndStart(job);
    if (total >= LARGE_JOB) {
      // A large job has just added its rows in bulk: without fresh statistics PostgreSQL would plan
      // every per-device query of the rollout as if the table were still small, until autovacuum
      // caught up.
      dsl.execute("analyze ota_results");
      dsl.execute("analyze ota_result_history");
    }
    return total;
  }

  private int queueAndStart(OtaJobsRecord job) {
    return dsl.transactionResult(
        tx -> {
          DSLContext t = tx.dsl();
          int total = t.fetchCount(DEVICES, targets.condition(job));
          t.update(OTA_JOBS)
              .set(OTA_JOBS.STATUS, RolloutStatus.RUNNING.name())
              .set(
                  OTA_JOBS.STARTED_AT,
                  DSL.coalesce(OTA_JOBS.STARTED_AT, DSL.currentOffsetDateTime()))
              .set(OTA_JOBS.TOTAL_DEVICES, total)
              .where(OTA_JOBS.ID.eq(job.getId()))
              .and(OTA_JOBS.STATUS.notIn(finalStatusNames()))
              .execute();
          transitions.queue(t, job.getId(), targets.condition(job));
          return total;
        });
  }

  /** Records a status of the job that is not final; a final status is never rewritten. */
  public void recordStatus(UUID jobId, RolloutStatus status) {
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS, status.name())
        .where(OTA_JOBS.ID.eq(jobId))
        .and(OTA_JOBS.STATUS.notIn(finalStatusNames()))
        .execute();
  }

  /** Records what the job's status means (why it stopped), cut to the column's 1,000 characters. */
  public void recordDetail(UUID jobId, String detail) {
    String text =
        detail == null ? null : detail.length() > 1000 ? detail.substring(0, 1000) : detail;
    dsl.update(OTA_JOBS).set(OTA_JOBS.STATUS_DETAIL, text).where(OTA_JOBS.ID.eq(jobId)).execute();
  }

  /**
   * Publishes a gate's breach into the job's organization's events (scope private, source cloud,
   * kept a day like the cloud's other events): its stream, its history and its webhooks hear it.
   * The detail is cut so that the event's data stays within the column.
   */
  public void publishGateBreach(GateBreach breach) {
    String detail = breach.detail();
    String data =
        JSON.createObjectNode()
            .put("jobId", breach.jobId())
            .put("stage", breach.stage())
            .put("stageName", breach.stageName())
            .put("kind", breach.kind().name())
            .put("gate", breach.gate())
            .put("action", breach.action().name())
            .put(
                "detail",
                detail == null || detail.length() <= 500 ? detail : detail.substring(0, 500))
            .toString();
    dsl.insertInto(
            EVENTS,
            EVENTS.ORGANIZATION_ID,
            EVENTS.PRODUCT_ID,
            EVENTS.NAME,
            EVENTS.DATA,
            EVENTS.TTL_SECONDS,
            EVENTS.SCOPE,
            EVENTS.SOURCE)
        .select(
            DSL.select(
                    OTA_JOBS.ORGANIZATION_ID,
                    OTA_JOBS.PRODUCT_ID,
                    DSL.val(GATE_EVENT),
                    DSL.val(data),
                    DSL.val(86_400),
                    DSL.val("private"),
                    DSL.val("cloud"))
                .from(OTA_JOBS)
                .where(OTA_JOBS.ID.eq(UUID.fromString(breach.jobId()))))
        .execute();
  }

  /**
   * How many unfinished rollouts of the job's product, created before it, target any of its devices
   * (a rollout of the whole product shares them all; two group rollouts share their common
   * members). Only older ones count, so two rollouts that wait never wait for each other.
   */
  public int olderRolloutsSharingDevices(OtaJobsRecord job) {
    var other = OTA_JOBS.as("other");
    return dsl.fetchCount(
        other,
        other
            .PRODUCT_ID
            .eq(job.getProductId())
            .and(other.ID.ne(job.getId()))
            .and(other.CREATED_AT.lt(job.getCreatedAt()))
            .and(other.STATUS.notIn(finalStatusNames()))
            .and(SharedDevices.with(other, job.getTargetGroupId())));
  }

  /** Records the job's final status once; a job already final keeps its status. */
  public void finishJob(UUID jobId, RolloutStatus status) {
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS, status.name())
        .set(OTA_JOBS.FINISHED_AT, DSL.currentOffsetDateTime())
        .where(OTA_JOBS.ID.eq(jobId))
        .and(OTA_JOBS.STATUS.notIn(finalStatusNames()))
        .execute();
  }

  /** Jobs that are not final, oldest first: the candidates for reconciliation after a restart. */
  public List<OtaJobsRecord> unfinishedJobs() {
    return dsl.selectFrom(OTA_JOBS)
        .where(OTA_JOBS.STATUS.notIn(finalStatusNames()))
        .orderBy(OTA_JOBS.CREATED_AT)
        .fetch();
  }

  private static List<String> finalStatusNames() {
    return EnumSet.allOf(RolloutStatus.class).stream()
        .filter(RolloutStatus::isFinal)
        .map(Enum::name)
        .toList();
  }
}
