package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.sql.generated.tables.records.OtaResultsRecord;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record4;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.Row4;
import org.jooq.Table;
import org.jooq.UpdateConditionStep;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.stereotype.Repository;

/**
 * The rollout's system of record: jobs, their targets, and per-device results with their
 * append-only history. Every write here is idempotent, because activities may run twice.
 */
@Repository
public class RolloutRecords {
  private static final Set<DeviceUpdateState> NON_TERMINAL =
      EnumSet.of(
          DeviceUpdateState.QUEUED,
          DeviceUpdateState.SENT,
          DeviceUpdateState.DOWNLOADING,
          DeviceUpdateState.VERIFYING,
          DeviceUpdateState.INSTALLING,
          DeviceUpdateState.REBOOTING);

  /** Jobs of at least this many targets refresh the results' statistics after queueing them. */
  static final int LARGE_JOB = 10_000;

  private final DSLContext dsl;

  /** What a move returns: device id, bytes sent, the open activity's task token, error code. */
  private static final Field<String> MOVED_DEVICE =
      DSL.field(DSL.name("device_id"), SQLDataType.VARCHAR);

  private static final Field<Long> MOVED_BYTES =
      DSL.field(DSL.name("bytes_sent"), SQLDataType.BIGINT);
  private static final Field<byte[]> MOVED_TOKEN =
      DSL.field(DSL.name("task_token"), SQLDataType.BLOB);
  private static final Field<String> MOVED_CODE =
      DSL.field(DSL.name("error_code"), SQLDataType.VARCHAR);
  private static final Field<?>[] MOVED =
      new Field<?>[] {MOVED_DEVICE, MOVED_BYTES, MOVED_TOKEN, MOVED_CODE};

  private static final Field<?>[] UPDATE_TARGET =
      new Field<?>[] {
        OTA_JOBS.ORGANIZATION_ID,
        DEVICES.ID,
        DEVICES.FIRMWARE_VERSION,
        PRODUCT_FIRMWARE.VERSION,
        PRODUCT_FIRMWARE.STORAGE_KEY,
        PRODUCT_FIRMWARE.SHA256,
        PRODUCT_FIRMWARE.SIZE_BYTES,
        OTA_RESULTS.STATE,
        OTA_RESULTS.BYTES_SENT,
        OTA_RESULTS.ERROR_CODE
      };

  private final RenderedQuery updateTargetQuery;
  private final RenderedQuery offeredQuery;

  public RolloutRecords(DSLContext dsl) {
    this.dsl = dsl;
    this.updateTargetQuery = RenderedQuery.of(dsl, updateTargetQuery(dsl));
    this.offeredQuery = RenderedQuery.of(dsl, offeredQuery(dsl));
  }

  public Optional<OtaJobsRecord> job(UUID jobId) {
    return dsl.selectFrom(OTA_JOBS).where(OTA_JOBS.ID.eq(jobId)).fetchOptional();
  }

  /** Everything the delivery of one device's update needs, read in one query. */
  public record UpdateTarget(
      UUID organizationId,
      String deviceId,
      String deviceVersion,
      String targetVersion,
      String storageKey,
      String sha256,
      long size,
      DeviceUpdateState resultState,
      long bytesSent,
      String errorCode) {}

  public Optional<UpdateTarget> updateTarget(UUID jobId, String deviceId) {
    return dsl.resultQuery(
            updateTargetQuery.sql(),
            updateTargetQuery.binds(Map.of("job_id", jobId, "device_id", deviceId)))
        .coerce(UPDATE_TARGET)
        .fetchOptional(
            r ->
                new UpdateTarget(
                    r.get(OTA_JOBS.ORGANIZATION_ID),
                    r.get(DEVICES.ID),
                    r.get(DEVICES.FIRMWARE_VERSION),
                    r.get(PRODUCT_FIRMWARE.VERSION),
                    r.get(PRODUCT_FIRMWARE.STORAGE_KEY),
                    r.get(PRODUCT_FIRMWARE.SHA256),
                    r.get(PRODUCT_FIRMWARE.SIZE_BYTES),
                    DeviceUpdateState.parse(r.get(OTA_RESULTS.STATE)),
                    r.get(OTA_RESULTS.BYTES_SENT) == null ? 0 : r.get(OTA_RESULTS.BYTES_SENT),
                    r.get(OTA_RESULTS.ERROR_CODE)));
  }

  private static ResultQuery<?> updateTargetQuery(DSLContext dsl) {
    return dsl.select(UPDATE_TARGET)
        .from(OTA_JOBS)
        .join(PRODUCT_FIRMWARE)
        .on(PRODUCT_FIRMWARE.ID.eq(OTA_JOBS.FIRMWARE_ID))
        .join(DEVICES)
        .on(
            DEVICES
                .ID
                .eq(DSL.param("device_id", SQLDataType.VARCHAR))
                .and(DEVICES.PRODUCT_ID.eq(OTA_JOBS.PRODUCT_ID))
                .and(DEVICES.ORGANIZATION_ID.eq(OTA_JOBS.ORGANIZATION_ID)))
        .leftJoin(OTA_RESULTS)
        .on(OTA_RESULTS.JOB_ID.eq(OTA_JOBS.ID).and(OTA_RESULTS.DEVICE_ID.eq(DEVICES.ID)))
        .where(OTA_JOBS.ID.eq(DSL.param("job_id", SQLDataType.UUID)));
  }

  private Condition targetCondition(OtaJobsRecord job) {
    Condition product =
        DEVICES
            .PRODUCT_ID
            .eq(job.getProductId())
            .and(DEVICES.ORGANIZATION_ID.eq(job.getOrganizationId()));
    if (job.getTargetGroupId() == null) {
      return product;
    }
    return product.and(
        DSL.exists(
            DSL.selectOne()
                .from(DEVICE_GROUP_MEMBERS)
                .where(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(job.getTargetGroupId()))
                .and(DEVICE_GROUP_MEMBERS.DEVICE_ID.eq(DEVICES.ID))));
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
          int total = t.fetchCount(DEVICES, targetCondition(job));
          t.update(OTA_JOBS)
              .set(OTA_JOBS.STATUS, RolloutStatus.RUNNING.name())
              .set(
                  OTA_JOBS.STARTED_AT,
                  DSL.coalesce(OTA_JOBS.STARTED_AT, DSL.currentOffsetDateTime()))
              .set(OTA_JOBS.TOTAL_DEVICES, total)
              .where(OTA_JOBS.ID.eq(job.getId()))
              .and(OTA_JOBS.STATUS.notIn(finalStatusNames()))
              .execute();
          queue(t, job);
          return total;
        });
  }

  /** Queues a result for every target that has none yet (devices that joined), with history. */
  public int queueJoiners(OtaJobsRecord job) {
    return dsl.transactionResult(tx -> queue(tx.dsl(), job));
  }

  private int queue(DSLContext t, OtaJobsRecord job) {
    var insert =
        t.insertInto(
                OTA_RESULTS,
                OTA_RESULTS.ORGANIZATION_ID,
                OTA_RESULTS.JOB_ID,
                OTA_RESULTS.DEVICE_ID,
                OTA_RESULTS.STATE,
                OTA_RESULTS.FROM_VERSION)
            .select(
                DSL.select(
                        DEVICES.ORGANIZATION_ID,
                        DSL.val(job.getId()),
                        DEVICES.ID,
                        DSL.val(DeviceUpdateState.QUEUED.name()),
                        DEVICES.FIRMWARE_VERSION)
                    .from(DEVICES)
                    .where(targetCondition(job)))
            .onConflictDoNothing()
            .returningResult(
                OTA_RESULTS.ORGANIZATION_ID,
                OTA_RESULTS.JOB_ID,
                OTA_RESULTS.DEVICE_ID,
                OTA_RESULTS.STATE,
                OTA_RESULTS.ATTEMPT);
    // One statement: the history rows are exactly the results this insert created. (Looking for
    // results without history instead made PostgreSQL walk, for every new row, the index entries
    // the same statement had just added, quadratic in the size of the job.)
    return t.execute(
        "with queued (organization_id, job_id, device_id, state, attempt) as ({0})"
            + " insert into {1} ({2}, {3}, {4}, {5}, {6}, {7})"
            + " select organization_id, job_id, device_id, state, attempt, {8} from queued",
        insert,
        OTA_RESULT_HISTORY,
        OTA_RESULT_HISTORY.ORGANIZATION_ID.getUnqualifiedName(),
        OTA_RESULT_HISTORY.JOB_ID.getUnqualifiedName(),
        OTA_RESULT_HISTORY.DEVICE_ID.getUnqualifiedName(),
        OTA_RESULT_HISTORY.STATE.getUnqualifiedName(),
        OTA_RESULT_HISTORY.ATTEMPT.getUnqualifiedName(),
        OTA_RESULT_HISTORY.DETAIL.getUnqualifiedName(),
        DSL.val("queued by rollout"));
  }

  /**
   * Reopens a failed result for a later attempt of the same update (the rollout's retry policy).
   * Idempotent on (job, device, attempt): a result already at that attempt is left alone.
   */
  public boolean reopenForAttempt(UUID jobId, String deviceId, int attempt) {
    return dsl.transactionResult(
        tx -> {
          DSLContext t = tx.dsl();
          var reopened =
              t.update(OTA_RESULTS)
                  .set(OTA_RESULTS.STATE, DeviceUpdateState.QUEUED.name())
                  .set(OTA_RESULTS.ATTEMPT, attempt)
                  .set(OTA_RESULTS.TASK_TOKEN, (byte[]) null)
                  .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
                  .where(OTA_RESULTS.JOB_ID.eq(jobId))
                  .and(OTA_RESULTS.DEVICE_ID.eq(deviceId))
                  .and(OTA_RESULTS.ATTEMPT.lt(attempt))
                  .and(
                      OTA_RESULTS.STATE.in(
                          DeviceUpdateState.FAILED.name(),
                          DeviceUpdateState.TIMED_OUT.name(),
                          DeviceUpdateState.REJECTED.name(),
                          DeviceUpdateState.ROLLED_BACK.name()))
                  .returning(OTA_RESULTS.ORGANIZATION_ID)
                  .fetchOptional();
          if (reopened.isEmpty()) {
            return false;
          }
          t.insertInto(OTA_RESULT_HISTORY)
              .set(OTA_RESULT_HISTORY.ORGANIZATION_ID, reopened.get().getOrganizationId())
              .set(OTA_RESULT_HISTORY.JOB_ID, jobId)
              .set(OTA_RESULT_HISTORY.DEVICE_ID, deviceId)
              .set(OTA_RESULT_HISTORY.STATE, DeviceUpdateState.QUEUED.name())
              .set(OTA_RESULT_HISTORY.ATTEMPT, attempt)
              .set(OTA_RESULT_HISTORY.DETAIL, "retry: attempt " + attempt)
              .execute();
          return true;
        });
  }

  /** Target device ids of the job in id order, after {@code afterDeviceId} when given. */
  public List<String> targets(OtaJobsRecord job, String afterDeviceId, int limit) {
    Condition condition = targetCondition(job);
    if (afterDeviceId != null) {
      condition = condition.and(DEVICES.ID.gt(afterDeviceId));
    }
    return dsl.select(DEVICES.ID)
        .from(DEVICES)
        .where(condition)
        .orderBy(DEVICES.ID)
        .limit(limit)
        .fetch(DEVICES.ID);
  }

  /**
   * Moves a device's result to {@code state} and appends the transition to its history, in one
   * transaction. A result only moves forward: a terminal result never changes, and a report that
   * arrives after a later one is ignored. Returns whether the result changed.
   */
  public boolean transition(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Long bytesSent,
      String errorCode,
      String detail,
      byte[] taskToken) {
    return transition(jobId, deviceId, null, state, bytesSent, errorCode, detail, taskToken);
  }

  /**
   * As above, and only while the result is still on {@code attempt} (when not null): a late write
   * for an older attempt, such as the timeout of an attempt the device has since replaced, is
   * refused rather than closing the newer one.
   */
  public boolean transition(
      UUID jobId,
      String deviceId,
      Integer attempt,
      DeviceUpdateState state,
      Long bytesSent,
      String errorCode,
      String detail,
      byte[] taskToken) {
    List<String> fromNames = TransitionRules.allowedFrom(state);
    if (fromNames.isEmpty()) {
      return false;
    }
    var update =
        dsl.update(OTA_RESULTS)
            .set(OTA_RESULTS.STATE, state.name())
            .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
            .set(OTA_RESULTS.ERROR_CODE, errorCode)
            .set(OTA_RESULTS.ERROR_MESSAGE, TransitionRules.clip(detail));
    if (bytesSent != null) {
      update =
          update.set(
              OTA_RESULTS.BYTES_SENT, DSL.greatest(OTA_RESULTS.BYTES_SENT, DSL.val(bytesSent)));
    }
    if (taskToken != null) {
      update = update.set(OTA_RESULTS.TASK_TOKEN, taskToken);
    }
    var where =
        update
            .where(OTA_RESULTS.JOB_ID.eq(jobId))
            .and(OTA_RESULTS.DEVICE_ID.eq(deviceId))
            .and(OTA_RESULTS.STATE.in(fromNames));
    if (attempt != null) {
      where = where.and(OTA_RESULTS.ATTEMPT.eq(attempt));
    }
    return !moveWithHistory(dsl, where).isEmpty();
  }

  /**
   * Runs a result update and appends a history row for every result it moved, in one statement (so
   * atomic without a transaction, and one round trip). Returns what it moved: device id, bytes
   * sent, the open activity's task token and the error code.
   */
  private static Result<Record> moveWithHistory(
      DSLContext t, UpdateConditionStep<OtaResultsRecord> update) {
    return withHistory(t, update).coerce(MOVED).fetch();
  }

  /**
   * The update wrapped so that it also appends a history row for every result it moves, in one
   * statement (atomic without a transaction, one round trip). The statement returns what moved:
   * {@link #MOVED}.
   */
  private static ResultQuery<Record> withHistory(
      DSLContext t, UpdateConditionStep<OtaResultsRecord> update) {
    var moved =
        update.returningResult(
            OTA_RESULTS.ORGANIZATION_ID,
            OTA_RESULTS.JOB_ID,
            OTA_RESULTS.DEVICE_ID,
            OTA_RESULTS.STATE,
            OTA_RESULTS.ATTEMPT,
            OTA_RESULTS.BYTES_SENT,
            OTA_RESULTS.ERROR_CODE,
            OTA_RESULTS.ERROR_MESSAGE,
            OTA_RESULTS.TASK_TOKEN);
    return t.resultQuery(
        "with moved (organization_id, job_id, device_id, state, attempt, bytes_sent,"
            + " error_code, detail, task_token) as ({0}),"
            + " history as (insert into {1} (organization_id, job_id, device_id, state,"
            + " attempt, bytes_sent, error_code, detail)"
            + " select organization_id, job_id, device_id, state, attempt, bytes_sent,"
            + " error_code, detail from moved)"
            + " select device_id, bytes_sent, task_token, error_code from moved",
        moved, OTA_RESULT_HISTORY);
  }

  /**
   * Records an offer in one statement: the artifact the device is sent (kind, image hash, size in
   * bytes) and the move to SENT with the activity's task token, with its history row. The artifact
   * is recorded even when the result may not move (an offer made again); returns whether it moved.
   */
  public boolean offered(
      UUID jobId,
      String deviceId,
      String kind,
      String sha256,
      long artifactSizeBytes,
      String detail,
      byte[] taskToken) {
    Map<String, Object> values = new HashMap<>();
    values.put("job_id", jobId);
    values.put("device_id", deviceId);
    values.put("kind", kind);
    values.put("sha256", sha256);
    values.put("size", artifactSizeBytes);
    values.put("detail", TransitionRules.clip(detail));
    values.put("token", taskToken);
    boolean moved =
        !dsl.resultQuery(offeredQuery.sql(), offeredQuery.binds(values))
            .coerce(MOVED)
            .fetch()
            .isEmpty();
    if (!moved) {
      recordArtifact(jobId, deviceId, kind, sha256, artifactSizeBytes);
    }
    return moved;
  }

  private static ResultQuery<?> offeredQuery(DSLContext dsl) {
    return withHistory(
        dsl,
        dsl.update(OTA_RESULTS)
            .set(OTA_RESULTS.ARTIFACT_KIND, DSL.param("kind", SQLDataType.VARCHAR))
            .set(OTA_RESULTS.ARTIFACT_SHA256, DSL.param("sha256", SQLDataType.VARCHAR))
            .set(OTA_RESULTS.ARTIFACT_SIZE_BYTES, DSL.param("size", SQLDataType.BIGINT))
            .set(OTA_RESULTS.STATE, DSL.inline(DeviceUpdateState.SENT.name()))
            .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
            .set(OTA_RESULTS.ERROR_CODE, DSL.inline((String) null, SQLDataType.VARCHAR))
            .set(OTA_RESULTS.ERROR_MESSAGE, DSL.param("detail", SQLDataType.VARCHAR))
            .set(OTA_RESULTS.TASK_TOKEN, DSL.param("token", SQLDataType.BLOB))
            .where(OTA_RESULTS.JOB_ID.eq(DSL.param("job_id", SQLDataType.UUID)))
            .and(OTA_RESULTS.DEVICE_ID.eq(DSL.param("device_id", SQLDataType.VARCHAR)))
            .and(
                OTA_RESULTS.STATE.in(
                    TransitionRules.allowedFrom(DeviceUpdateState.SENT).stream()
                        .map(DSL::inline)
                        .toList())));
  }

  /**
   * One device's report, as the status bridge hands it over. {@code bytesSent} null means "the
   * whole artifact" for the states a device reaches only after receiving it (VERIFYING onwards),
   * and "unchanged" for the others.
   */
  public record Reported(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Long bytesSent,
      String errorCode,
      String detail) {}

  /** A result that a batch of reports moved: its new state, bytes and the open activity's token. */
  public record Moved(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      String errorCode,
      long bytesSent,
      byte[] taskToken) {}

  /**
   * Applies a batch of reports (at most one per device) under the same rules as {@link
   * #transition}, in one transaction: per job and target state, one update of every row that may
   * move there and one multi-row insert of their history. Returns the results that moved, in no
   * particular order; a report whose result may not move is left out.
   */
  public List<Moved> transitionAll(List<Reported> reports) {
    Map<UUID, Map<DeviceUpdateState, List<Reported>>> groups = new LinkedHashMap<>();
    for (Reported r : reports) {
      groups
          .computeIfAbsent(r.jobId(), j -> new EnumMap<>(DeviceUpdateState.class))
          .computeIfAbsent(r.state(), s -> new ArrayList<>())
          .add(r);
    }
    if (groups.size() == 1 && groups.values().iterator().next().size() == 1) {
      // One job, one state: a single statement, atomic on its own.
      var job = groups.entrySet().iterator().next();
      var group = job.getValue().entrySet().iterator().next();
      return moveGroup(dsl, job.getKey(), group.getKey(), group.getValue());
    }
    return dsl.transactionResult(
        tx -> {
          List<Moved> moved = new ArrayList<>();
          for (var job : groups.entrySet()) {
            for (var group : job.getValue().entrySet()) {
              moved.addAll(moveGroup(tx.dsl(), job.getKey(), group.getKey(), group.getValue()));
            }
          }
          return moved;
        });
  }

  private static List<Moved> moveGroup(
      DSLContext t, UUID jobId, DeviceUpdateState state, List<Reported> reports) {
    List<String> fromNames = TransitionRules.allowedFrom(state);
    if (fromNames.isEmpty()) {
      return List.of();
    }
    List<Row4<String, String, String, Long>> rows = new ArrayList<>(reports.size());
    for (Reported r : reports) {
      rows.add(
          DSL.row(
              DSL.val(r.deviceId()),
              DSL.cast(DSL.val(r.errorCode()), SQLDataType.VARCHAR),
              DSL.cast(DSL.val(TransitionRules.clip(r.detail())), SQLDataType.VARCHAR),
              DSL.cast(DSL.val(r.bytesSent()), SQLDataType.BIGINT)));
    }
    @SuppressWarnings("unchecked")
    Table<Record4<String, String, String, Long>> v =
        DSL.values(rows.toArray(Row4[]::new)).as("v", "device_id", "code", "detail", "bytes");
    Field<String> vDevice = v.field("device_id", String.class);
    Field<String> vCode = v.field("code", String.class);
    Field<String> vDetail = v.field("detail", String.class);
    Field<Long> vBytes = v.field("bytes", Long.class);
    // States reached only with the whole artifact on the device count its full size as sent; the
    // size of the full image stands in for results offered before artifact sizes were recorded.
    Field<Long> bytes =
        state.receivedWholeArtifact()
            ? DSL.coalesce(
                vBytes,
                OTA_RESULTS.ARTIFACT_SIZE_BYTES,
                DSL.field(
                    DSL.select(PRODUCT_FIRMWARE.SIZE_BYTES)
                        .from(OTA_JOBS)
                        .join(PRODUCT_FIRMWARE)
                        .on(PRODUCT_FIRMWARE.ID.eq(OTA_JOBS.FIRMWARE_ID))
                        .where(OTA_JOBS.ID.eq(OTA_RESULTS.JOB_ID))))
            : vBytes;
    var changed =
        moveWithHistory(
            t,
            t.update(OTA_RESULTS)
                .set(OTA_RESULTS.STATE, state.name())
                .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
                .set(OTA_RESULTS.ERROR_CODE, vCode)
                .set(OTA_RESULTS.ERROR_MESSAGE, vDetail)
                // GREATEST ignores a null: bytes stay as they are when the report carries none.
                .set(OTA_RESULTS.BYTES_SENT, DSL.greatest(OTA_RESULTS.BYTES_SENT, bytes))
                .from(v)
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.DEVICE_ID.eq(vDevice))
                .and(OTA_RESULTS.STATE.in(fromNames)));
    List<Moved> moved = new ArrayList<>(changed.size());
    for (var row : changed) {
      moved.add(
          new Moved(
              jobId,
              row.get(MOVED_DEVICE),
              state,
              row.get(MOVED_CODE),
              row.get(MOVED_BYTES) == null ? 0 : row.get(MOVED_BYTES),
              row.get(MOVED_TOKEN)));
    }
    return moved;
  }

  /**
   * Creates a QUEUED result for a device that joined the targets after the job started, with its
   * history row, in one statement: a failure leaves neither (no result without its history).
   */
  public void ensureQueued(UUID organizationId, UUID jobId, String deviceId, String fromVersion) {
    dsl.execute(
        "with queued as (insert into ota_results (organization_id, job_id, device_id, state,"
            + " from_version) values (?, ?, ?, ?, ?) on conflict do nothing returning"
            + " organization_id, job_id, device_id, state) insert into ota_result_history"
            + " (organization_id, job_id, device_id, state, attempt, detail) select"
            + " organization_id, job_id, device_id, state, 1, ? from queued",
        organizationId,
        jobId,
        deviceId,
        DeviceUpdateState.QUEUED.name(),
        fromVersion,
        "joined the targets during the rollout");
  }

  /**
   * Records which artifact a device is being sent and its size in bytes (a delta's patch size, or
   * the image size): a device that reports having it counts that size as sent.
   */
  private void recordArtifact(
      UUID jobId, String deviceId, String kind, String sha256, long artifactSizeBytes) {
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.ARTIFACT_KIND, kind)
        .set(OTA_RESULTS.ARTIFACT_SHA256, sha256)
        .set(OTA_RESULTS.ARTIFACT_SIZE_BYTES, artifactSizeBytes)
        .where(OTA_RESULTS.JOB_ID.eq(jobId))
        .and(OTA_RESULTS.DEVICE_ID.eq(deviceId))
        .execute();
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

  /** Ends every non-terminal result of a job with {@code state}, with history. */
  public int endOpenResults(UUID jobId, DeviceUpdateState state, String detail) {
    List<String> open =
        dsl.select(OTA_RESULTS.DEVICE_ID)
            .from(OTA_RESULTS)
            .where(OTA_RESULTS.JOB_ID.eq(jobId))
            .and(OTA_RESULTS.STATE.in(NON_TERMINAL.stream().map(Enum::name).toList()))
            .fetch(OTA_RESULTS.DEVICE_ID);
    int ended = 0;
    for (String deviceId : open) {
      if (transition(jobId, deviceId, state, null, "INTERRUPTED", detail, null)) {
        ended++;
      }
    }
    return ended;
  }

  private static List<String> finalStatusNames() {
    return EnumSet.allOf(RolloutStatus.class).stream()
        .filter(RolloutStatus::isFinal)
        .map(Enum::name)
        .toList();
  }
}
