package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.StagePage;
import dev.firmament.sql.generated.tables.records.OtaResultsRecord;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
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
import org.jooq.Record5;
import org.jooq.Record7;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.Row5;
import org.jooq.Row7;
import org.jooq.Table;
import org.jooq.UpdateConditionStep;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.stereotype.Repository;

/**
 * The one writer of a device result's state ({@code ota_results}) and of the results' history
 * ({@code ota_result_history}, the rollback phase's rows included): every state a result takes is
 * written here, together with its history row, under {@link TransitionRules}. Every write is
 * idempotent, because activities may run twice, and every timestamp comes from the database clock.
 */
@Repository
public class ResultTransitions {
  static final Set<DeviceUpdateState> NON_TERMINAL =
      EnumSet.of(
          DeviceUpdateState.QUEUED,
          DeviceUpdateState.SENT,
          DeviceUpdateState.DOWNLOADING,
          DeviceUpdateState.VERIFYING,
          DeviceUpdateState.INSTALLING,
          DeviceUpdateState.REBOOTING);

  /** The unsuccessful states an operator's requeue starts again. */
  private static final String FAILED_STATES =
      "('FAILED', 'TIMED_OUT', 'REJECTED', 'ROLLED_BACK', 'CANCELED')";

  /** What a move returns: device id, bytes sent, the open activity's task token, error code. */
  private static final Field<String> MOVED_DEVICE =
      DSL.field(DSL.name("device_id"), SQLDataType.VARCHAR);

  private static final Field<Long> MOVED_BYTES =
      DSL.field(DSL.name("bytes_sent"), SQLDataType.BIGINT);
  private static final Field<byte[]> MOVED_TOKEN =
      DSL.field(DSL.name("task_token"), SQLDataType.BLOB);
  private static final Field<String> MOVED_CODE =
      DSL.field(DSL.name("error_code"), SQLDataType.VARCHAR);
  private static final Field<String> MOVED_WATCHER =
      DSL.field(DSL.name("watcher"), SQLDataType.VARCHAR);
  private static final Field<Integer> MOVED_ATTEMPT =
      DSL.field(DSL.name("attempt"), SQLDataType.INTEGER);
  private static final Field<?>[] MOVED =
      new Field<?>[] {
        MOVED_DEVICE, MOVED_BYTES, MOVED_TOKEN, MOVED_CODE, MOVED_WATCHER, MOVED_ATTEMPT
      };

  private final DSLContext dsl;
  private final RenderedQuery offeredQuery;

  public ResultTransitions(DSLContext dsl) {
    this.dsl = dsl;
    this.offeredQuery = RenderedQuery.of(dsl, offeredQuery(dsl));
  }

  /**
   * Queues a result, with its QUEUED history row, for every device matching {@code targets} (a
   * condition on {@code devices}) that has none yet for the job, in the caller's transaction {@code
   * t}. Returns how many it queued.
   */
  int queue(DSLContext t, UUID jobId, Condition targets) {
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
                        DSL.val(jobId),
                        DEVICES.ID,
                        DSL.val(DeviceUpdateState.QUEUED.name()),
                        DEVICES.FIRMWARE_VERSION)
                    .from(DEVICES)
                    .where(targets))
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
                  .set(OTA_RESULTS.WATCHER, (String) null)
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

  /**
   * Moves a device's result to {@code state} and appends the transition to its history, in one
   * transaction. A result only moves forward: a terminal result stays as it is (only {@link
   * #reopenForAttempt} and {@link #requeueFailed} start a new attempt), and a report that arrives
   * after a later one is ignored. Returns whether the result changed.
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
            OTA_RESULTS.TASK_TOKEN,
            OTA_RESULTS.WATCHER);
    return t.resultQuery(
        "with moved (organization_id, job_id, device_id, state, attempt, bytes_sent,"
            + " error_code, detail, task_token, watcher) as ({0}),"
            + " history as (insert into {1} (organization_id, job_id, device_id, state,"
            + " attempt, bytes_sent, error_code, detail)"
            + " select organization_id, job_id, device_id, state, attempt, bytes_sent,"
            + " error_code, detail from moved)"
            + " select device_id, bytes_sent, task_token, error_code, watcher, attempt from moved",
        moved, OTA_RESULT_HISTORY);
  }

  /** Takes over a device's open attempt for a later stage run ({@link AttemptColumns#takeOver}). */
  public TakeOver takeOver(UUID jobId, String deviceId, int attempt, byte[] taskToken) {
    return AttemptColumns.RESULTS.takeOver(dsl, jobId, deviceId, attempt, taskToken);
  }

  /**
   * How the device's attempt ended, as stored: empty while it has not (queued, open, or the result
   * is still on an earlier attempt).
   */
  public Optional<DeviceUpdateOutcome> ended(UUID jobId, String deviceId, int attempt) {
    return AttemptColumns.RESULTS.ended(dsl, jobId, deviceId, attempt);
  }

  /**
   * Marks a queued result as waiting for its device's presence (offline when its turn came), with a
   * history row the first time; it stays QUEUED until it is offered or the rollout expires.
   */
  public void waiting(UUID jobId, String deviceId) {
    withHistory(
            dsl,
            dsl.update(OTA_RESULTS)
                .set(OTA_RESULTS.WAITING_SINCE, DSL.currentOffsetDateTime())
                .set(OTA_RESULTS.ERROR_MESSAGE, "waiting for the device to connect")
                .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.DEVICE_ID.eq(deviceId))
                .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.QUEUED.name()))
                .and(OTA_RESULTS.WAITING_SINCE.isNull()))
        .fetch();
  }

  /**
   * Marks a queued result as deferred for its SIM's data cap (docs/connectivity.md): it waits as an
   * offline device waits, with error code DATA_CAP, the reason as its detail, the artifact it was
   * planned, and {@code until} (when the SIM's month starts again), after which, or after an
   * operator's override, it is offered again. A history row is written once per period.
   */
  public void deferred(
      UUID jobId, String deviceId, OffsetDateTime until, long plannedBytes, String detail) {
    withHistory(
            dsl,
            dsl.update(OTA_RESULTS)
                .set(
                    OTA_RESULTS.WAITING_SINCE,
                    DSL.coalesce(OTA_RESULTS.WAITING_SINCE, DSL.currentOffsetDateTime()))
                .set(OTA_RESULTS.DEFERRED_UNTIL, until)
                .set(OTA_RESULTS.ERROR_CODE, DATA_CAP)
                .set(OTA_RESULTS.ERROR_MESSAGE, TransitionRules.clip(detail))
                .set(OTA_RESULTS.ARTIFACT_SIZE_BYTES, plannedBytes)
                .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.DEVICE_ID.eq(deviceId))
                .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.QUEUED.name()))
                .and(OTA_RESULTS.DEFERRED_UNTIL.isDistinctFrom(until)))
        .fetch();
  }

  /** The error code of a device deferred for its data cap, and of one still deferred at expiry. */
  public static final String DATA_CAP = DeviceUpdateOutcome.DATA_CAP;

  /**
   * A waiting device may be offered: it is not deferred for its data cap, or its deferral ran out,
   * or an operator overrode it.
   */
  private static Condition deferralOver() {
    return OTA_RESULTS
        .DEFERRED_UNTIL
        .isNull()
        .or(OTA_RESULTS.DEFERRED_UNTIL.le(DSL.currentOffsetDateTime()))
        .or(OTA_RESULTS.DATA_OVERRIDE.isTrue());
  }

  /**
   * Up to {@code limit} of the job's waiting devices that are online now, longest waiting first; a
   * device deferred for its data cap only once its deferral is over.
   */
  public StagePage listWaiting(UUID jobId, int limit) {
    var rows =
        dsl.select(OTA_RESULTS.DEVICE_ID, OTA_RESULTS.ATTEMPT)
            .from(OTA_RESULTS)
            .join(DEVICES)
            .on(DEVICES.ID.eq(OTA_RESULTS.DEVICE_ID))
            .where(OTA_RESULTS.JOB_ID.eq(jobId))
            .and(OTA_RESULTS.WAITING_SINCE.isNotNull())
            .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.QUEUED.name()))
            .and(DEVICES.ONLINE.isTrue())
            .and(deferralOver())
            .orderBy(OTA_RESULTS.WAITING_SINCE, OTA_RESULTS.DEVICE_ID)
            .limit(limit)
            .fetch();
    return new StagePage(
        rows.map(r -> r.value1()), 0L, rows.map(r -> r.value2() == null ? 1 : r.value2()));
  }

  /** How many of the job's devices wait for their presence. */
  public int waitingDevices(UUID jobId) {
    return dsl.fetchCount(
        OTA_RESULTS,
        OTA_RESULTS
            .JOB_ID
            .eq(jobId)
            .and(OTA_RESULTS.WAITING_SINCE.isNotNull())
            .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.QUEUED.name())));
  }

  /**
   * Ends every device of the job still waiting TIMED_OUT, with history rows: OFFLINE, or DATA_CAP
   * for one still deferred for its data cap.
   */
  public int expireWaiting(UUID jobId) {
    Condition deferred = OTA_RESULTS.ERROR_CODE.eq(DATA_CAP).and(deferralOver().not());
    return withHistory(
            dsl,
            dsl.update(OTA_RESULTS)
                .set(OTA_RESULTS.STATE, DeviceUpdateState.TIMED_OUT.name())
                .set(
                    OTA_RESULTS.ERROR_CODE,
                    DSL.when(deferred, DSL.inline(DATA_CAP)).otherwise(DSL.inline("OFFLINE")))
                .set(
                    OTA_RESULTS.ERROR_MESSAGE,
                    DSL.when(
                            deferred,
                            DSL.inline("deferred for its SIM's data cap until the rollout expired"))
                        .otherwise(DSL.inline("offline until the rollout expired")))
                .setNull(OTA_RESULTS.WAITING_SINCE)
                .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.WAITING_SINCE.isNotNull())
                .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.QUEUED.name())))
        .fetch()
        .size();
  }

  /** The rollouts in which the device waits for its presence, by their workflow ids. */
  public List<String> waitingFor(String deviceId) {
    return dsl.selectDistinct(OTA_JOBS.WORKFLOW_ID)
        .from(OTA_RESULTS)
        .join(OTA_JOBS)
        .on(OTA_JOBS.ID.eq(OTA_RESULTS.JOB_ID))
        .where(OTA_RESULTS.DEVICE_ID.eq(deviceId))
        .and(OTA_RESULTS.WAITING_SINCE.isNotNull())
        .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.QUEUED.name()))
        .fetch(OTA_JOBS.WORKFLOW_ID);
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
    boolean moved = !offeredQuery.fetch(dsl, values, MOVED).isEmpty();
    if (!moved) {
      recordArtifact(jobId, deviceId, kind, sha256, artifactSizeBytes);
    }
    return moved;
  }

  /** One device's offer in a slice: the artifact it is sent and the history row's detail. */
  public record Offer(String deviceId, String kind, String sha256, long sizeBytes, String detail) {}

  /**
   * Records a slice's offers in one statement, as {@link #offered} records one: each result moves
   * to SENT with its artifact, the slice activity's task token (shared) and its {@code watcher},
   * the stage told of the devices' ends by signal, with its history row. Returns the devices whose
   * result moved; the others (an offer made again) get their artifact recorded.
   */
  public Set<String> offeredAll(UUID jobId, List<Offer> offers, byte[] taskToken, String watcher) {
    if (offers.isEmpty()) {
      return Set.of();
    }
    List<Row5<String, String, String, Long, String>> rows = new ArrayList<>(offers.size());
    for (Offer o : offers) {
      rows.add(
          DSL.row(
              DSL.val(o.deviceId()),
              DSL.cast(DSL.val(o.kind()), SQLDataType.VARCHAR),
              DSL.cast(DSL.val(o.sha256()), SQLDataType.VARCHAR),
              DSL.cast(DSL.val(o.sizeBytes()), SQLDataType.BIGINT),
              DSL.cast(DSL.val(TransitionRules.clip(o.detail())), SQLDataType.VARCHAR)));
    }
    @SuppressWarnings("unchecked")
    Table<Record5<String, String, String, Long, String>> v =
        DSL.values(rows.toArray(Row5[]::new))
            .as("v", "device_id", "kind", "sha256", "size", "detail");
    var moved =
        moveWithHistory(
            dsl,
            dsl.update(OTA_RESULTS)
                .set(OTA_RESULTS.ARTIFACT_KIND, v.field("kind", String.class))
                .set(OTA_RESULTS.ARTIFACT_SHA256, v.field("sha256", String.class))
                .set(OTA_RESULTS.ARTIFACT_SIZE_BYTES, v.field("size", Long.class))
                .set(OTA_RESULTS.STATE, DSL.inline(DeviceUpdateState.SENT.name()))
                .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
                .set(OTA_RESULTS.ERROR_CODE, DSL.inline((String) null, SQLDataType.VARCHAR))
                .set(OTA_RESULTS.ERROR_MESSAGE, v.field("detail", String.class))
                .set(OTA_RESULTS.TASK_TOKEN, taskToken)
                .set(OTA_RESULTS.WATCHER, watcher)
                .set(OTA_RESULTS.WAITING_SINCE, DSL.inline((java.time.OffsetDateTime) null))
                .from(v)
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.DEVICE_ID.eq(v.field("device_id", String.class)))
                .and(
                    OTA_RESULTS.STATE.in(
                        TransitionRules.allowedFrom(DeviceUpdateState.SENT).stream()
                            .map(DSL::inline)
                            .toList())));
    Set<String> movedIds = new HashSet<>();
    for (var row : moved) {
      movedIds.add(row.get(MOVED_DEVICE));
    }
    for (Offer o : offers) {
      if (!movedIds.contains(o.deviceId())) {
        recordArtifact(jobId, o.deviceId(), o.kind(), o.sha256(), o.sizeBytes());
      }
    }
    return movedIds;
  }

  /**
   * Takes a slice of handed-over attempts over for a new slice activity: each result between offer
   * and final report gets its token and {@code watcher} (the stage told of its end). Returns the
   * devices taken over; the others ended, or were never offered.
   */
  public Set<String> takeOverSlice(
      UUID jobId, List<String> deviceIds, byte[] taskToken, String watcher) {
    for (int attempt = 1; ; attempt++) {
      try {
        return new HashSet<>(
            dsl.update(OTA_RESULTS)
                .set(OTA_RESULTS.TASK_TOKEN, taskToken)
                .set(OTA_RESULTS.WATCHER, watcher)
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.DEVICE_ID.in(deviceIds))
                .and(OTA_RESULTS.STATE.in(TakeOver.IN_PROGRESS.stream().map(Enum::name).toList()))
                .returning(OTA_RESULTS.DEVICE_ID)
                .fetch()
                .getValues(OTA_RESULTS.DEVICE_ID));
      } catch (org.jooq.exception.DataAccessException e) {
        // The status bridge moves many of the same rows in one statement, in its own order: when
        // PostgreSQL breaks the deadlock by ending this statement, nothing was written; again.
        if (attempt >= DEADLOCK_RETRIES || !"40P01".equals(e.sqlState())) {
          throw e;
        }
      }
    }
  }

  /** How often {@link #takeOverSlice} runs again after losing a deadlock. */
  static final int DEADLOCK_RETRIES = 5;

  /**
   * Of the given slices' task tokens, those none of whose offered devices is still between offer
   * and final report or owed to its stage: the slices whose activity may be completed.
   */
  public List<byte[]> endedSlices(List<byte[]> tokens) {
    if (tokens.isEmpty()) {
      return List.of();
    }
    Set<ByteBuffer> open = new HashSet<>();
    // Between offer and final report (the partial index of open slices) ...
    dsl.selectDistinct(OTA_RESULTS.TASK_TOKEN)
        .from(OTA_RESULTS)
        .where(OTA_RESULTS.TASK_TOKEN.in(tokens))
        .and(OTA_RESULTS.WATCHER.isNotNull())
        .and(OTA_RESULTS.STATE.in(TakeOver.IN_PROGRESS.stream().map(Enum::name).toList()))
        .forEach(r -> open.add(ByteBuffer.wrap(r.value1())));
    // ... or ended, with the stage not told yet (another bridge lane's report, still owed): the
    // slice's completion waits for its signal, so the stage never hears of the slice's end first.
    dsl.selectDistinct(OTA_RESULTS.TASK_TOKEN)
        .from(OTA_RESULTS)
        .where(OTA_RESULTS.COMPLETION_DUE.isNotNull())
        .and(OTA_RESULTS.TASK_TOKEN.in(tokens))
        .and(OTA_RESULTS.WATCHER.isNotNull())
        .forEach(r -> open.add(ByteBuffer.wrap(r.value1())));
    return tokens.stream().filter(t -> !open.contains(ByteBuffer.wrap(t))).toList();
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
            .set(OTA_RESULTS.WATCHER, DSL.inline((String) null, SQLDataType.VARCHAR))
            .set(OTA_RESULTS.WAITING_SINCE, DSL.inline((java.time.OffsetDateTime) null))
            .where(OTA_RESULTS.JOB_ID.eq(DSL.param("job_id", SQLDataType.UUID)))
            .and(OTA_RESULTS.DEVICE_ID.eq(DSL.param("device_id", SQLDataType.VARCHAR)))
            .and(
                OTA_RESULTS.STATE.in(
                    TransitionRules.allowedFrom(DeviceUpdateState.SENT).stream()
                        .map(DSL::inline)
                        .toList())));
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

  /**
   * One device's report, as the status bridge hands it over. {@code bytesSent} null means "the
   * whole artifact" for the states a device reaches only after receiving it (VERIFYING onwards),
   * and "unchanged" for the others. {@code attempt}, when not null, is the attempt the report
   * belongs to: a report for another attempt than the result's current one moves nothing.
   */
  public record Reported(
      UUID jobId,
      String deviceId,
      Integer attempt,
      DeviceUpdateState state,
      Long bytesSent,
      String errorCode,
      String detail,
      String transport,
      Long bytesReceived) {

    /** A report without the delivery's transport or the device's own byte count. */
    public Reported(
        UUID jobId,
        String deviceId,
        Integer attempt,
        DeviceUpdateState state,
        Long bytesSent,
        String errorCode,
        String detail) {
      this(jobId, deviceId, attempt, state, bytesSent, errorCode, detail, null, null);
    }

    /** A report that is not tied to an attempt. */
    public Reported(
        UUID jobId,
        String deviceId,
        DeviceUpdateState state,
        Long bytesSent,
        String errorCode,
        String detail) {
      this(jobId, deviceId, null, state, bytesSent, errorCode, detail);
    }
  }

  /**
   * A result that a batch of reports moved: its new state, bytes, the open activity's token, and
   * the stage to signal when a slice offered it (its watcher), with the attempt.
   */
  public record Moved(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      String errorCode,
      long bytesSent,
      byte[] taskToken,
      String watcher,
      int attempt) {}

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
    List<Row7<String, String, String, Long, Integer, String, Long>> rows =
        new ArrayList<>(reports.size());
    for (Reported r : reports) {
      rows.add(
          DSL.row(
              DSL.val(r.deviceId()),
              DSL.cast(DSL.val(r.errorCode()), SQLDataType.VARCHAR),
              DSL.cast(DSL.val(TransitionRules.clip(r.detail())), SQLDataType.VARCHAR),
              DSL.cast(DSL.val(r.bytesSent()), SQLDataType.BIGINT),
              DSL.cast(DSL.val(r.attempt()), SQLDataType.INTEGER),
              DSL.cast(DSL.val(r.transport()), SQLDataType.VARCHAR),
              DSL.cast(DSL.val(r.bytesReceived()), SQLDataType.BIGINT)));
    }
    @SuppressWarnings("unchecked")
    Table<Record7<String, String, String, Long, Integer, String, Long>> v =
        DSL.values(rows.toArray(Row7[]::new))
            .as("v", "device_id", "code", "detail", "bytes", "attempt", "transport", "received");
    Field<Integer> vAttempt = v.field("attempt", Integer.class);
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
                .set(
                    OTA_RESULTS.TRANSPORT,
                    DSL.coalesce(v.field("transport", String.class), OTA_RESULTS.TRANSPORT))
                // The device's count of one attempt only grows; a report without one keeps it.
                .set(
                    OTA_RESULTS.BYTES_RECEIVED,
                    DSL.greatest(OTA_RESULTS.BYTES_RECEIVED, v.field("received", Long.class)))
                .set(OTA_RESULTS.COMPLETION_DUE, AttemptColumns.RESULTS.completionDueAfter(state))
                .from(v)
                .where(OTA_RESULTS.JOB_ID.eq(jobId))
                .and(OTA_RESULTS.DEVICE_ID.eq(vDevice))
                // A late report of an earlier attempt never moves the current one.
                .and(vAttempt.isNull().or(OTA_RESULTS.ATTEMPT.eq(vAttempt)))
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
              row.get(MOVED_TOKEN),
              row.get(MOVED_WATCHER),
              row.get(MOVED_ATTEMPT) == null ? 1 : row.get(MOVED_ATTEMPT)));
    }
    return moved;
  }

  /** How long the status bridge has to settle a completion before the outbox's sweep sends it. */
  public static final Duration COMPLETION_GRACE = Duration.ofSeconds(10);

  /**
   * A completion Temporal has not yet been told of: the device's final outcome and the delivery
   * activity's task token, of an update ({@code ota_results}) or a rollback ({@code
   * ota_rollback_results}). An update a slice offered names its {@code watcher}, the stage told by
   * signal, and the attempt the outcome ends; otherwise the watcher is null.
   */
  public record DueCompletion(
      UUID jobId,
      byte[] taskToken,
      DeviceUpdateOutcome outcome,
      boolean rollback,
      String watcher,
      int attempt) {

    /** A completion for the delivery activity that waits for this device alone. */
    public DueCompletion(
        UUID jobId, byte[] taskToken, DeviceUpdateOutcome outcome, boolean rollback) {
      this(jobId, taskToken, outcome, rollback, null, 0);
    }
  }

  /**
   * The completions whose time came, oldest first: at most {@code limit} updates and at most {@code
   * limit} rollbacks.
   */
  public List<DueCompletion> dueCompletions(int limit) {
    List<DueCompletion> due = new ArrayList<>(AttemptColumns.RESULTS.dueCompletions(dsl, limit));
    due.addAll(AttemptColumns.ROLLBACKS.dueCompletions(dsl, limit));
    return due;
  }

  /** Marks completions as told (or no longer needed), one statement per table. */
  public void settleCompletions(List<DueCompletion> settled) {
    updateDue(settled, DSL.inline((OffsetDateTime) null));
  }

  /** Puts completions Temporal did not take off until {@code retry} from now. */
  public void deferCompletions(List<DueCompletion> failed, Duration retry) {
    updateDue(failed, AttemptColumns.fromNow(retry));
  }

  private void updateDue(List<DueCompletion> completions, Field<OffsetDateTime> due) {
    for (AttemptColumns<?> columns : List.of(AttemptColumns.RESULTS, AttemptColumns.ROLLBACKS)) {
      columns.updateDue(
          dsl, completions.stream().filter(c -> c.rollback() == columns.rollback()).toList(), due);
    }
  }

  /**
   * Of the given reports, those whose result was offered but never seen downloading (still {@code
   * SENT}), with their job's target version, keyed by {@code jobId/deviceId}: a report of the whole
   * artifact for one of them claims what the device cannot have received.
   */
  public Map<String, String> neverDownloaded(List<Reported> reports) {
    if (reports.isEmpty()) {
      return Map.of();
    }
    Map<String, String> found = new HashMap<>();
    dsl.select(OTA_RESULTS.JOB_ID, OTA_RESULTS.DEVICE_ID, OTA_JOBS.TARGET_VERSION)
        .from(OTA_RESULTS)
        .join(OTA_JOBS)
        .on(OTA_JOBS.ID.eq(OTA_RESULTS.JOB_ID))
        .where(
            DSL.row(OTA_RESULTS.JOB_ID, OTA_RESULTS.DEVICE_ID)
                .in(reports.stream().map(r -> DSL.row(r.jobId(), r.deviceId())).toList()))
        .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.SENT.name()))
        .forEach(r -> found.put(r.value1() + "/" + r.value2(), r.value3()));
    return found;
  }

  /** One attempt of a device in a job; an attempt of null means the device's current one. */
  public record Attempt(UUID jobId, String deviceId, Integer attempt) {}

  /** The task tokens of the delivery activities that wait for these attempts now. */
  public List<byte[]> openTaskTokens(List<Attempt> attempts) {
    return AttemptColumns.RESULTS.openTaskTokens(dsl, attempts);
  }

  /** A device's attempt that was offered and has not ended. */
  public record Offered(String deviceId, int attempt) {}

  /** The job's attempts between offer and final report, whose offers are out at the devices. */
  public List<Offered> offeredAttempts(UUID jobId) {
    return AttemptColumns.RESULTS.offeredAttempts(dsl, jobId);
  }

  /** Ends every non-terminal result of a job with {@code state}, with history. */
  public int endOpenResults(UUID jobId, DeviceUpdateState state, String detail) {
    return AttemptColumns.RESULTS.endOpen(
        dsl, jobId, device -> transition(jobId, device, state, null, "INTERRUPTED", detail, null));
  }

  /**
   * Requeues the job's unsuccessful results of the stages up to {@code stageIndex} into that stage,
   * with the next attempt, at positions after every existing one, with their history rows, in one
   * statement. Returns how many it requeued.
   */
  public int requeueFailed(UUID jobId, int stageIndex) {
    return dsl.execute(
        "with c as (select r.device_id, row_number() over (order by r.stage, r.stage_position) rn,"
            + " (select coalesce(max(stage_position), 0) from ota_results where job_id = ?) base"
            + " from ota_results r where r.job_id = ? and r.stage <= ? and r.state in "
            + FAILED_STATES
            + "), u as (update ota_results x set state = 'QUEUED', attempt = x.attempt + 1,"
            + " stage = ?, stage_position = c.base + c.rn, task_token = null, error_code = null,"
            + " error_message = null, updated_at = now() from c where x.job_id = ?"
            + " and x.device_id = c.device_id returning x.organization_id, x.job_id, x.device_id,"
            + " x.attempt) insert into ota_result_history (organization_id, job_id, device_id,"
            + " state, attempt, detail) select organization_id, job_id, device_id, 'QUEUED',"
            + " attempt, 'requeued by operator' from u",
        jobId,
        jobId,
        stageIndex,
        stageIndex,
        jobId);
  }

  /**
   * Appends the QUEUED history row (phase ROLLBACK) of every rollback result of the job that has
   * none yet, in the caller's transaction {@code t}, which has just queued them in {@code
   * ota_rollback_results}.
   */
  void rollbacksQueued(DSLContext t, UUID jobId) {
    t.execute(
        "insert into ota_result_history (organization_id, job_id, device_id, state, attempt, detail,"
            + " phase) select organization_id, job_id, device_id, state, attempt,"
            + " 'queued for rollback to ' || to_version, 'ROLLBACK' from ota_rollback_results b"
            + " where b.job_id = ? and not exists (select 1 from ota_result_history h"
            + " where h.job_id = b.job_id and h.device_id = b.device_id and h.phase = 'ROLLBACK')",
        jobId);
  }

  /**
   * Appends the history row (phase ROLLBACK) of a rollback result's move, in the caller's
   * transaction {@code t}, which has just moved it in {@code ota_rollback_results}; {@code detail}
   * is already clipped.
   */
  void rollbackMoved(
      DSLContext t,
      UUID organizationId,
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Integer attempt,
      Long bytesSent,
      String errorCode,
      String detail) {
    t.insertInto(OTA_RESULT_HISTORY)
        .set(OTA_RESULT_HISTORY.ORGANIZATION_ID, organizationId)
        .set(OTA_RESULT_HISTORY.JOB_ID, jobId)
        .set(OTA_RESULT_HISTORY.DEVICE_ID, deviceId)
        .set(OTA_RESULT_HISTORY.STATE, state.name())
        .set(OTA_RESULT_HISTORY.ATTEMPT, attempt)
        .set(OTA_RESULT_HISTORY.BYTES_SENT, bytesSent)
        .set(OTA_RESULT_HISTORY.ERROR_CODE, errorCode)
        .set(OTA_RESULT_HISTORY.DETAIL, detail)
        .set(OTA_RESULT_HISTORY.PHASE, "ROLLBACK")
        .execute();
  }
}
