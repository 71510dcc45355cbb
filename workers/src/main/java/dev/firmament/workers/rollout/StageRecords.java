package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.StageKind;
import dev.firmament.orchestrator.rollout.StagePage;
import dev.firmament.orchestrator.rollout.StageSelection;
import dev.firmament.orchestrator.rollout.StageStatus;
import dev.firmament.orchestrator.rollout.policy.StageSizing;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.sql.generated.tables.records.OtaStagesRecord;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.UpdateSetMoreStep;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/**
 * Stages of a rollout in PostgreSQL: which devices each stage took and in what order, the rollback
 * stage's results, and each stage's status and counters. Every write is idempotent on (job, stage)
 * or (job, device), because activities may run twice. A result's state and its history rows are
 * written by {@link ResultTransitions} (a requeue, the rollback stage's QUEUED rows).
 *
 * <p>Devices are sampled by a stable hash of their id ({@code md5(device_id)}): the same plan over
 * the same fleet always picks the same canary and waves.
 */
@Repository
public class StageRecords {
  private final DSLContext dsl;
  private final JobTargets targets;
  private final ResultTransitions transitions;

  public StageRecords(DSLContext dsl, JobTargets targets, ResultTransitions transitions) {
    this.dsl = dsl;
    this.targets = targets;
    this.transitions = transitions;
  }

  /**
   * Assigns the stage its devices, once: the stage row is written in the same transaction, and a
   * second call returns the count it stored.
   */
  public int assign(
      OtaJobsRecord job, int index, String name, StageKind kind, StageSelection selection) {
    return dsl.transactionResult(
        tx -> {
          DSLContext t = tx.dsl();
          // Serialise assignments of one job so that two stages never take the same devices.
          t.select(OTA_JOBS.ID)
              .from(OTA_JOBS)
              .where(OTA_JOBS.ID.eq(job.getId()))
              .forUpdate()
              .fetch();
          Optional<Integer> existing =
              t.select(OTA_STAGES.ASSIGNED)
                  .from(OTA_STAGES)
                  .where(OTA_STAGES.JOB_ID.eq(job.getId()))
                  .and(OTA_STAGES.STAGE_INDEX.eq(index))
                  .fetchOptional(OTA_STAGES.ASSIGNED);
          if (existing.isPresent()) {
            return existing.get();
          }
          int assigned =
              kind == StageKind.ROLLBACK
                  ? assignRollback(t, job, index, selection)
                  : assignUpdate(t, job, index, selection);
          t.insertInto(OTA_STAGES)
              .set(OTA_STAGES.ORGANIZATION_ID, job.getOrganizationId())
              .set(OTA_STAGES.JOB_ID, job.getId())
              .set(OTA_STAGES.STAGE_INDEX, index)
              .set(OTA_STAGES.NAME, name)
              .set(OTA_STAGES.KIND, kind.name())
              .set(OTA_STAGES.STATUS, StageStatus.PENDING.name())
              .set(OTA_STAGES.ASSIGNED, assigned)
              .execute();
          if (kind == StageKind.UPDATE) {
            // A rollback stage leaves the detail alone: it says why the rollout is rolling back.
            t.update(OTA_JOBS)
                .set(OTA_JOBS.STATUS_DETAIL, "stage " + index + " (" + name + ")")
                .where(OTA_JOBS.ID.eq(job.getId()))
                .execute();
          }
          return assigned;
        });
  }

  /**
   * Records the stage that serves a rollout's waiting devices: a stage row that takes no devices of
   * its own (they keep their stage), written once.
   */
  public void openWaitingStage(OtaJobsRecord job, int index, String name) {
    dsl.insertInto(OTA_STAGES)
        .set(OTA_STAGES.ORGANIZATION_ID, job.getOrganizationId())
        .set(OTA_STAGES.JOB_ID, job.getId())
        .set(OTA_STAGES.STAGE_INDEX, index)
        .set(OTA_STAGES.NAME, name)
        .set(OTA_STAGES.KIND, StageKind.UPDATE.name())
        .set(OTA_STAGES.STATUS, StageStatus.PENDING.name())
        .set(OTA_STAGES.ASSIGNED, 0)
        .onConflictDoNothing()
        .execute();
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS_DETAIL, "stage " + index + " (" + name + ")")
        .where(OTA_JOBS.ID.eq(job.getId()))
        .execute();
  }

  private int assignUpdate(DSLContext t, OtaJobsRecord job, int index, StageSelection selection) {
    String groupFilter = "";
    int limit;
    if (selection.kind() == StageSelection.Kind.GROUP) {
      groupFilter =
          " and exists (select 1 from device_group_members m join device_groups g on g.id = m.group_id"
              + " where m.device_id = r.device_id and g.product_id = ? and g.name = ?)";
      limit = Integer.MAX_VALUE;
    } else {
      int remaining =
          t.fetchCount(
              OTA_RESULTS, OTA_RESULTS.JOB_ID.eq(job.getId()).and(OTA_RESULTS.STAGE.isNull()));
      limit = StageSizing.size(selection, remaining);
    }
    if (limit == 0) {
      return 0;
    }
    String sql =
        "update ota_results u set stage = ?, stage_position = c.base + c.rn"
            + " from (select r.device_id, row_number() over (order by md5(r.device_id), r.device_id) rn,"
            + " (select coalesce(max(stage_position), 0) from ota_results where job_id = ?) base"
            + " from ota_results r where r.job_id = ? and r.stage is null"
            + groupFilter
            + " order by md5(r.device_id), r.device_id limit ?) c"
            + " where u.job_id = ? and u.device_id = c.device_id";
    return selection.kind() == StageSelection.Kind.GROUP
        ? t.execute(
            sql,
            index,
            job.getId(),
            job.getId(),
            job.getProductId(),
            selection.group(),
            limit,
            job.getId())
        : t.execute(sql, index, job.getId(), job.getId(), limit, job.getId());
  }

  /**
   * Takes the stage's share of the devices the job changed (succeeded from a known other version)
   * that no earlier rollback stage took: when the job's rollback is scoped (rollbackOTAJob of an
   * ended rollout), of those of its stages or devices only; a percentage or count is of the devices
   * still to be taken back, a group takes its members among them.
   */
  private int assignRollback(DSLContext t, OtaJobsRecord job, int index, StageSelection selection) {
    Integer[] scopeStages = job.getRollbackStages();
    String[] scopeDevices = job.getRollbackDevices();
    StringBuilder eligible =
        new StringBuilder(
            " from ota_results r where r.job_id = ? and r.state = 'SUCCEEDED'"
                + " and r.from_version is not null and r.from_version <> ?"
                + " and not exists (select 1 from ota_rollback_results b"
                + " where b.job_id = r.job_id and b.device_id = r.device_id)");
    List<Object> binds = new ArrayList<>(List.of(job.getId(), job.getTargetVersion()));
    if (scopeStages != null || scopeDevices != null) {
      eligible.append(" and (r.stage = any(?::integer[]) or r.device_id = any(?::varchar[]))");
      binds.add(scopeStages == null ? new Integer[0] : scopeStages);
      binds.add(scopeDevices == null ? new String[0] : scopeDevices);
    }
    int limit = Integer.MAX_VALUE;
    if (selection.kind() == StageSelection.Kind.GROUP) {
      eligible.append(
          " and exists (select 1 from device_group_members m join device_groups g on g.id = m.group_id"
              + " where m.device_id = r.device_id and g.product_id = ? and g.name = ?)");
      binds.add(job.getProductId());
      binds.add(selection.group());
    } else {
      int remaining =
          t.fetchOne("select count(*)" + eligible, binds.toArray()).get(0, Integer.class);
      limit = StageSizing.size(selection, remaining);
    }
    if (limit == 0) {
      return 0;
    }
    List<Object> insertBinds = new ArrayList<>();
    insertBinds.add(index);
    insertBinds.addAll(binds);
    insertBinds.add(limit);
    int inserted =
        t.execute(
            "insert into ota_rollback_results (organization_id, job_id, device_id, to_version, state,"
                + " stage, stage_position) select r.organization_id, r.job_id, r.device_id,"
                + " r.from_version, 'QUEUED', ?,"
                + " row_number() over (order by md5(r.device_id), r.device_id)"
                + eligible
                + " order by md5(r.device_id), r.device_id limit ?"
                + " on conflict do nothing",
            insertBinds.toArray());
    transitions.rollbacksQueued(t, job.getId());
    return inserted;
  }

  /**
   * Queues results for targets that joined after the job started and gives every unassigned one to
   * the stage, after its current devices.
   */
  public int assignJoiners(OtaJobsRecord job, int index) {
    targets.queueJoiners(job);
    return dsl.execute(
        "update ota_results u set stage = ?, stage_position = c.base + c.rn"
            + " from (select r.device_id, row_number() over (order by md5(r.device_id), r.device_id) rn,"
            + " (select coalesce(max(stage_position), 0) from ota_results where job_id = ?) base"
            + " from ota_results r where r.job_id = ? and r.stage is null) c"
            + " where u.job_id = ? and u.device_id = c.device_id and u.stage is null",
        index,
        job.getId(),
        job.getId(),
        job.getId());
  }

  public StagePage list(UUID jobId, int index, long afterPosition, int limit) {
    String kind =
        dsl.select(OTA_STAGES.KIND)
            .from(OTA_STAGES)
            .where(OTA_STAGES.JOB_ID.eq(jobId))
            .and(OTA_STAGES.STAGE_INDEX.eq(index))
            .fetchOptional(OTA_STAGES.KIND)
            .orElse(StageKind.UPDATE.name());
    var rows =
        StageKind.ROLLBACK.name().equals(kind)
            ? dsl.select(
                    OTA_ROLLBACK_RESULTS.DEVICE_ID,
                    OTA_ROLLBACK_RESULTS.STAGE_POSITION,
                    OTA_ROLLBACK_RESULTS.ATTEMPT)
                .from(OTA_ROLLBACK_RESULTS)
                .where(OTA_ROLLBACK_RESULTS.JOB_ID.eq(jobId))
                // Rows from before rollback stages were recorded belong to the only one.
                .and(OTA_ROLLBACK_RESULTS.STAGE.eq(index).or(OTA_ROLLBACK_RESULTS.STAGE.isNull()))
                .and(OTA_ROLLBACK_RESULTS.STAGE_POSITION.gt(afterPosition))
                .orderBy(OTA_ROLLBACK_RESULTS.STAGE_POSITION)
                .limit(limit)
                .fetch()
            : dsl.select(OTA_RESULTS.DEVICE_ID, OTA_RESULTS.STAGE_POSITION, OTA_RESULTS.ATTEMPT)
                .from(OTA_RESULTS)
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.STAGE.eq(index))
                .and(OTA_RESULTS.STAGE_POSITION.gt(afterPosition))
                .orderBy(OTA_RESULTS.STAGE_POSITION)
                .limit(limit)
                .fetch();
    List<String> ids = rows.map(r -> r.value1());
    List<Integer> attempts = rows.map(r -> r.value3() == null ? 1 : r.value3());
    long last = rows.isEmpty() ? afterPosition : rows.getLast().value2();
    return new StagePage(ids, last, attempts);
  }

  /** Upserts the stage's status and counters, unless the stored status is already final. */
  public void record(UUID jobId, int index, StageStatus status, StageCounters c) {
    List<String> finals =
        EnumSet.allOf(StageStatus.class).stream()
            .filter(StageStatus::isFinal)
            .map(Enum::name)
            .toList();
    withOutcomes(dsl.update(OTA_STAGES).set(OTA_STAGES.STATUS, status.name()), c)
        .set(OTA_STAGES.IN_FLIGHT, c.inFlight())
        .set(OTA_STAGES.UNHEALTHY, c.unhealthy())
        .set(
            OTA_STAGES.FINISHED_AT,
            status.isFinal() ? DSL.currentOffsetDateTime() : DSL.val((OffsetDateTime) null))
        .set(
            OTA_STAGES.SOAK_STARTED_AT,
            status == StageStatus.SOAKING
                ? DSL.coalesce(OTA_STAGES.SOAK_STARTED_AT, DSL.currentOffsetDateTime())
                : OTA_STAGES.SOAK_STARTED_AT)
        .where(OTA_STAGES.JOB_ID.eq(jobId))
        .and(OTA_STAGES.STAGE_INDEX.eq(index))
        .and(OTA_STAGES.STATUS.notIn(finals))
        .execute();
  }

  /** Sets a stage row's assignment and outcome counts and its update time. */
  private static UpdateSetMoreStep<OtaStagesRecord> withOutcomes(
      UpdateSetMoreStep<OtaStagesRecord> update, StageCounters c) {
    return update
        .set(OTA_STAGES.ASSIGNED, c.assigned())
        .set(OTA_STAGES.STARTED, c.started())
        .set(OTA_STAGES.SUCCEEDED, c.succeeded())
        .set(OTA_STAGES.SKIPPED, c.skipped())
        .set(OTA_STAGES.FAILED, c.failed())
        .set(OTA_STAGES.TIMED_OUT, c.timedOut())
        .set(OTA_STAGES.REJECTED, c.rejected())
        .set(OTA_STAGES.ROLLED_BACK, c.rolledBack())
        .set(OTA_STAGES.UPDATED_AT, DSL.currentOffsetDateTime());
  }

  /** Devices of the stage that succeeded but are now offline or run another version. */
  public int unhealthy(UUID jobId, int index) {
    return dsl.fetchCount(
        DSL.selectOne()
            .from(OTA_RESULTS)
            .join(OTA_JOBS)
            .on(OTA_JOBS.ID.eq(OTA_RESULTS.JOB_ID))
            .join(dev.firmament.sql.generated.Tables.DEVICES)
            .on(dev.firmament.sql.generated.Tables.DEVICES.ID.eq(OTA_RESULTS.DEVICE_ID))
            .where(OTA_RESULTS.JOB_ID.eq(jobId))
            .and(OTA_RESULTS.STAGE.eq(index))
            .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.SUCCEEDED.name()))
            .and(
                dev.firmament.sql.generated.Tables.DEVICES
                    .ONLINE
                    .isFalse()
                    .or(
                        dev.firmament.sql.generated.Tables.DEVICES.FIRMWARE_VERSION.isDistinctFrom(
                            OTA_JOBS.TARGET_VERSION))));
  }

  /**
   * Requeues the rollout's failed results into this update stage, with the next attempt, at
   * positions after every existing one (with history), then returns the stage's stored counts. The
   * failures of earlier stages come along: they move to this stage (see {@link #storedCounters} for
   * what the earlier stages count afterwards). A rollback stage requeues nothing.
   */
  public StageCounters requeueFailed(UUID jobId, int index) {
    boolean rollback =
        dsl.fetchExists(
            OTA_STAGES,
            OTA_STAGES
                .JOB_ID
                .eq(jobId)
                .and(OTA_STAGES.STAGE_INDEX.eq(index))
                .and(OTA_STAGES.KIND.eq(StageKind.ROLLBACK.name())));
    if (!rollback) {
      transitions.requeueFailed(jobId, index);
      // The earlier stages keep their status; their recorded counts follow the devices that left.
      for (int earlier = 0; earlier < index; earlier++) {
        StageCounters c = storedCounters(jobId, earlier);
        withOutcomes(dsl.update(OTA_STAGES).set(OTA_STAGES.ASSIGNED, c.assigned()), c)
            .where(OTA_STAGES.JOB_ID.eq(jobId))
            .and(OTA_STAGES.STAGE_INDEX.eq(earlier))
            .and(OTA_STAGES.KIND.eq(StageKind.UPDATE.name()))
            .execute();
      }
    }
    return storedCounters(jobId, index);
  }

  /**
   * The stage's counts from its devices' stored results: assigned, started (no longer QUEUED) and
   * each final state; in flight and unhealthy are not stored per result and read zero.
   */
  public StageCounters storedCounters(UUID jobId, int index) {
    int[] by = new int[DeviceUpdateState.values().length];
    dsl.select(OTA_RESULTS.STATE, DSL.count())
        .from(OTA_RESULTS)
        .where(OTA_RESULTS.JOB_ID.eq(jobId))
        .and(OTA_RESULTS.STAGE.eq(index))
        .groupBy(OTA_RESULTS.STATE)
        .forEach(
            r -> {
              DeviceUpdateState state = DeviceUpdateState.parse(r.value1());
              if (state != null) {
                by[state.ordinal()] += r.value2();
              }
            });
    int assigned =
        dsl.fetchCount(OTA_RESULTS, OTA_RESULTS.JOB_ID.eq(jobId).and(OTA_RESULTS.STAGE.eq(index)));
    return new StageCounters(
        assigned,
        assigned - by[DeviceUpdateState.QUEUED.ordinal()],
        0,
        by[DeviceUpdateState.SUCCEEDED.ordinal()],
        by[DeviceUpdateState.SKIPPED.ordinal()],
        by[DeviceUpdateState.FAILED.ordinal()] + by[DeviceUpdateState.CANCELED.ordinal()],
        by[DeviceUpdateState.TIMED_OUT.ordinal()],
        by[DeviceUpdateState.REJECTED.ordinal()],
        by[DeviceUpdateState.ROLLED_BACK.ordinal()],
        0);
  }
}
