package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.sql.generated.tables.records.OtaResultsRecord;
import dev.firmament.sql.generated.tables.records.OtaRollbackResultsRecord;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.TableField;

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
    TableField<R, byte[]> taskToken) {

  static final AttemptColumns<OtaResultsRecord> RESULTS =
      new AttemptColumns<>(
          OTA_RESULTS,
          OTA_RESULTS.JOB_ID,
          OTA_RESULTS.DEVICE_ID,
          OTA_RESULTS.ATTEMPT,
          OTA_RESULTS.STATE,
          OTA_RESULTS.ERROR_CODE,
          OTA_RESULTS.BYTES_SENT,
          OTA_RESULTS.TASK_TOKEN);

  static final AttemptColumns<OtaRollbackResultsRecord> ROLLBACKS =
      new AttemptColumns<>(
          OTA_ROLLBACK_RESULTS,
          OTA_ROLLBACK_RESULTS.JOB_ID,
          OTA_ROLLBACK_RESULTS.DEVICE_ID,
          OTA_ROLLBACK_RESULTS.ATTEMPT,
          OTA_ROLLBACK_RESULTS.STATE,
          OTA_ROLLBACK_RESULTS.ERROR_CODE,
          OTA_ROLLBACK_RESULTS.BYTES_SENT,
          OTA_ROLLBACK_RESULTS.TASK_TOKEN);

  /**
   * Takes over a device's open attempt for a later stage run: stores the new activity's token when
   * the attempt is between offer and final report (the device's final report then completes the new
   * activity; a report recorded first finds the attempt ended here), else says how it ended or that
   * it was never offered.
   */
  TakeOver takeOver(DSLContext dsl, UUID job, String device, int onAttempt, byte[] token) {
    int stored =
        dsl.update(table)
            .set(taskToken, token)
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
