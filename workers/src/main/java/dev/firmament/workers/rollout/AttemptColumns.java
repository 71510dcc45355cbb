package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.sql.generated.tables.records.OtaResultsRecord;
import dev.firmament.sql.generated.tables.records.OtaRollbackResultsRecord;
import dev.firmament.workers.rollout.ResultTransitions.DueCompletion;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The columns an update result ({@code ota_results}) and a rollback result ({@code
 * ota_rollback_results}) share, so that what claims or reads one device's attempt is written once
 * for both tables.
 */
record AttemptColumns<R extends Record>(
    Table<R> table,
    TableField<R, UUID> jobId,
    TableField<R, String> deviceId,
    TableField<R, Integer> attempt,
    TableField<R, String> state,
    TableField<R, String> errorCode,
    TableField<R, Long> bytesSent,
    TableField<R, byte[]> taskToken,
    TableField<R, OffsetDateTime> completionDue,
    TableField<R, String> watcher) {

  static final AttemptColumns<OtaResultsRecord> RESULTS =
      new AttemptColumns<>(
          OTA_RESULTS,
          OTA_RESULTS.JOB_ID,
          OTA_RESULTS.DEVICE_ID,
          OTA_RESULTS.ATTEMPT,
          OTA_RESULTS.STATE,
          OTA_RESULTS.ERROR_CODE,
          OTA_RESULTS.BYTES_SENT,
          OTA_RESULTS.TASK_TOKEN,
          OTA_RESULTS.COMPLETION_DUE,
          OTA_RESULTS.WATCHER);

  static final AttemptColumns<OtaRollbackResultsRecord> ROLLBACKS =
      new AttemptColumns<>(
          OTA_ROLLBACK_RESULTS,
          OTA_ROLLBACK_RESULTS.JOB_ID,
          OTA_ROLLBACK_RESULTS.DEVICE_ID,
          OTA_ROLLBACK_RESULTS.ATTEMPT,
          OTA_ROLLBACK_RESULTS.STATE,
          OTA_ROLLBACK_RESULTS.ERROR_CODE,
          OTA_ROLLBACK_RESULTS.BYTES_SENT,
          OTA_ROLLBACK_RESULTS.TASK_TOKEN,
          OTA_ROLLBACK_RESULTS.COMPLETION_DUE,
          null);

  /**
   * Takes over a device's open attempt for a later stage run: stores the new activity's token when
   * the attempt is between offer and final report (the device's final report then completes the new
   * activity; a report recorded first finds the attempt ended here), else says how it ended or that
   * it was never offered.
   */
  TakeOver takeOver(DSLContext dsl, UUID job, String device, int onAttempt, byte[] token) {
    var update = dsl.update(table).set(taskToken, token);
    if (watcher != null) {
      // The new activity waits for this device alone: its end completes it, not a signal.
      update = update.set(watcher, (String) null);
    }
    int stored =
        update
            .where(jobId.eq(job))
            .and(deviceId.eq(device))
            .and(attempt.eq(onAttempt))
            .and(state.in(TakeOver.IN_PROGRESS.stream().map(Enum::name).toList()))
            .execute();
    if (stored == 1) {
      return TakeOver.OPEN_ATTEMPT;
    }
    return ended(dsl, job, device, onAttempt)
        .map(outcome -> new TakeOver(TakeOver.Kind.ENDED, outcome))
        .orElse(TakeOver.NOT_OFFERED_YET);
  }

  /** The job's attempts between offer and final report, whose offers are out at the devices. */
  List<ResultTransitions.Offered> offeredAttempts(DSLContext dsl, UUID job) {
    return dsl.select(deviceId, attempt)
        .from(table)
        .where(jobId.eq(job))
        .and(state.in(TakeOver.IN_PROGRESS.stream().map(Enum::name).toList()))
        .fetch(r -> new ResultTransitions.Offered(r.value1(), r.value2()));
  }

  /**
   * The task tokens of the given attempts that are between offer and final report: the delivery
   * activities that wait for these devices now. An attempt of null matches the device's current
   * one.
   */
  List<byte[]> openTaskTokens(DSLContext dsl, List<ResultTransitions.Attempt> attempts) {
    List<byte[]> tokens = new ArrayList<>();
    for (int from = 0; from < attempts.size(); from += TOKEN_CHUNK) {
      List<ResultTransitions.Attempt> chunk =
          attempts.subList(from, Math.min(attempts.size(), from + TOKEN_CHUNK));
      Map<String, Integer> wanted = new HashMap<>();
      for (ResultTransitions.Attempt a : chunk) {
        wanted.put(a.jobId() + "/" + a.deviceId(), a.attempt());
      }
      dsl.select(jobId, deviceId, attempt, taskToken)
          .from(table)
          .where(
              DSL.row(jobId, deviceId)
                  .in(chunk.stream().map(a -> DSL.row(a.jobId(), a.deviceId())).toList()))
          .and(state.in(TakeOver.IN_PROGRESS.stream().map(Enum::name).toList()))
          .and(taskToken.isNotNull())
          .forEach(
              r -> {
                Integer onAttempt = wanted.get(r.value1() + "/" + r.value2());
                if (onAttempt == null || onAttempt.equals(r.value3())) {
                  tokens.add(r.value4());
                }
              });
    }
    return tokens;
  }

  /** How many attempts one statement of {@link #openTaskTokens} looks up. */
  private static final int TOKEN_CHUNK = 1_000;

  /** The job's devices whose result has not ended (queued, offered or in progress). */
  List<String> openDevices(DSLContext dsl, UUID job) {
    return dsl.select(deviceId)
        .from(table)
        .where(jobId.eq(job))
        .and(state.in(ResultTransitions.NON_TERMINAL.stream().map(Enum::name).toList()))
        .fetch(deviceId);
  }

  /**
   * Ends each of the job's open results with {@code end}, which answers whether that result moved;
   * returns how many did.
   */
  int endOpen(DSLContext dsl, UUID job, Predicate<String> end) {
    int ended = 0;
    for (String device : openDevices(dsl, job)) {
      if (end.test(device)) {
        ended++;
      }
    }
    return ended;
  }

  /** Whether this is the rollback results' table. */
  boolean rollback() {
    return table == OTA_ROLLBACK_RESULTS;
  }

  /**
   * When a report's completion falls due for the outbox's sweep: a final report whose delivery
   * activity waits (a task token) is due {@link ResultTransitions#COMPLETION_GRACE} from now, in
   * which the status bridge normally sends and settles it; any other report leaves the column as it
   * is.
   */
  Field<OffsetDateTime> completionDueAfter(DeviceUpdateState reported) {
    if (!reported.isTerminal()) {
      return completionDue;
    }
    return DSL.when(taskToken.isNotNull(), fromNow(ResultTransitions.COMPLETION_GRACE))
        .else_(completionDue);
  }

  /** The completions of this table whose time came, oldest first, at most {@code limit}. */
  List<DueCompletion> dueCompletions(DSLContext dsl, int limit) {
    Field<String> watcherOrNull =
        watcher == null ? DSL.inline((String) null, SQLDataType.VARCHAR) : watcher;
    return dsl.select(
            jobId, deviceId, state, errorCode, bytesSent, taskToken, watcherOrNull, attempt)
        .from(table)
        .where(completionDue.le(DSL.currentOffsetDateTime()))
        .orderBy(completionDue)
        .limit(limit)
        .fetch(
            r ->
                new DueCompletion(
                    r.value1(),
                    r.value6(),
                    new DeviceUpdateOutcome(
                        r.value2(),
                        DeviceUpdateState.parse(r.value3()),
                        r.value4(),
                        r.value5() == null ? 0 : r.value5()),
                    rollback(),
                    r.value7(),
                    r.value8() == null ? 1 : r.value8()));
  }

  /** Sets the due time of the given completions (still due, same task token), in one statement. */
  void updateDue(DSLContext dsl, List<DueCompletion> completions, Field<OffsetDateTime> due) {
    if (completions.isEmpty()) {
      return;
    }
    Condition which =
        DSL.or(
            completions.stream()
                .map(
                    c ->
                        jobId
                            .eq(c.jobId())
                            .and(deviceId.eq(c.outcome().deviceId()))
                            .and(taskToken.eq(c.taskToken())))
                .toList());
    dsl.update(table).set(completionDue, due).where(completionDue.isNotNull()).and(which).execute();
  }

  /** The database clock's now plus {@code duration}. */
  static Field<OffsetDateTime> fromNow(Duration duration) {
    return DSL.field(
        "current_timestamp + make_interval(secs => {0})",
        SQLDataType.TIMESTAMPWITHTIMEZONE, DSL.val((double) duration.toSeconds()));
  }

  /**
   * How the device's attempt {@code onAttempt} ended, as stored: empty while it has not (queued,
   * open, or the result is still on an earlier attempt).
   */
  Optional<DeviceUpdateOutcome> ended(DSLContext dsl, UUID job, String device, int onAttempt) {
    return dsl.select(state, attempt, errorCode, bytesSent)
        .from(table)
        .where(jobId.eq(job))
        .and(deviceId.eq(device))
        .fetchOptional()
        .flatMap(
            r -> {
              DeviceUpdateState stored = DeviceUpdateState.parse(r.value1());
              if (stored == null || !stored.isTerminal() || r.value2() < onAttempt) {
                return Optional.empty();
              }
              long bytes = r.value4() == null ? 0 : r.value4();
              return Optional.of(new DeviceUpdateOutcome(device, stored, r.value3(), bytes));
            });
  }
}
