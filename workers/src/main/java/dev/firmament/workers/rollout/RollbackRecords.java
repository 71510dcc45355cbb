package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.sql.generated.tables.records.OtaRollbackResultsRecord;
import dev.firmament.workers.rollout.ResultTransitions.DueCompletion;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Repository;

/**
 * The rollback stage's per-device results ({@code ota_rollback_results}), with their history rows
 * (phase ROLLBACK) appended by {@link ResultTransitions}. The same rule as for updates: a result
 * only moves forward.
 */
@Repository
public class RollbackRecords {
  private static final Logger log = LoggerFactory.getLogger(RollbackRecords.class);
  private final DSLContext dsl;
  private final ResultTransitions transitions;

  public RollbackRecords(DSLContext dsl, ResultTransitions transitions) {
    this.dsl = dsl;
    this.transitions = transitions;
  }

  /** What delivering one device its previous version needs; the image is null when not stored. */
  public record RollbackTarget(
      UUID organizationId,
      String deviceId,
      String toVersion,
      DeviceUpdateState state,
      long bytesSent,
      String errorCode,
      String storageKey,
      String sha256,
      Long size,
      String manifest,
      String signature) {}

  public Optional<RollbackTarget> target(UUID jobId, String deviceId) {
    return dsl.select(
            OTA_ROLLBACK_RESULTS.ORGANIZATION_ID,
            OTA_ROLLBACK_RESULTS.DEVICE_ID,
            OTA_ROLLBACK_RESULTS.TO_VERSION,
            OTA_ROLLBACK_RESULTS.STATE,
            OTA_ROLLBACK_RESULTS.BYTES_SENT,
            OTA_ROLLBACK_RESULTS.ERROR_CODE,
            PRODUCT_FIRMWARE.STORAGE_KEY,
            PRODUCT_FIRMWARE.SHA256,
            PRODUCT_FIRMWARE.SIZE_BYTES,
            PRODUCT_FIRMWARE.MANIFEST,
            PRODUCT_FIRMWARE.SIGNATURE)
        .from(OTA_ROLLBACK_RESULTS)
        .join(OTA_JOBS)
        .on(OTA_JOBS.ID.eq(OTA_ROLLBACK_RESULTS.JOB_ID))
        .leftJoin(PRODUCT_FIRMWARE)
        .on(
            PRODUCT_FIRMWARE
                .PRODUCT_ID
                .eq(OTA_JOBS.PRODUCT_ID)
                .and(PRODUCT_FIRMWARE.VERSION.eq(OTA_ROLLBACK_RESULTS.TO_VERSION)))
        .where(OTA_ROLLBACK_RESULTS.JOB_ID.eq(jobId))
        .and(OTA_ROLLBACK_RESULTS.DEVICE_ID.eq(deviceId))
        .fetchOptional(
            r ->
                new RollbackTarget(
                    r.value1(),
                    r.value2(),
                    r.value3(),
                    DeviceUpdateState.parse(r.value4()),
                    r.value5(),
                    r.value6(),
                    r.value7(),
                    r.value8(),
                    r.value9(),
                    r.value10(),
                    r.value11()));
  }

  /** What a device's rollback report is recorded as, once its claim is checked. */
  public record Claim(DeviceUpdateState state, Long bytesSent, String errorCode, String detail) {}

  /**
   * Checks a device's report about its rollback as update reports are checked: a report of the
   * whole image (VERIFYING and later) for a rollback the device was never seen downloading (its
   * result still SENT) is believed only as the SUCCEEDED of a device that already runs the version
   * it goes back to (nothing was sent: 0 bytes); any other such claim is recorded as the device's
   * FAILED with {@value TransitionRules#PROTOCOL_VIOLATION}. A device that received the whole image
   * was sent its size, whatever offset it reports; before that, its acknowledged offset counts.
   */
  public Claim check(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Long offset,
      String errorCode,
      String detail,
      String currentVersion) {
    if (!state.receivedWholeArtifact()) {
      return new Claim(state, offset, errorCode, detail);
    }
    Optional<RollbackTarget> target = target(jobId, deviceId);
    if (target.isEmpty() || target.get().state() != DeviceUpdateState.SENT) {
      return new Claim(state, target.map(RollbackTarget::size).orElse(null), errorCode, detail);
    }
    String toVersion = target.get().toVersion();
    if (state == DeviceUpdateState.SUCCEEDED && toVersion.equals(currentVersion)) {
      return new Claim(state, 0L, errorCode, "device already ran " + toVersion);
    }
    log.warn(
        "rollback report refused: {} without downloading job={} device={}", state, jobId, deviceId);
    return new Claim(
        DeviceUpdateState.FAILED,
        null,
        TransitionRules.PROTOCOL_VIOLATION,
        "reported " + state + " without downloading the rollback");
  }

  /** Moves a rollback result forward (never back, never out of a terminal state), with history. */
  public boolean transition(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Long bytesSent,
      String errorCode,
      String detail,
      byte[] taskToken) {
    return move(jobId, deviceId, state, bytesSent, errorCode, detail, taskToken).isPresent();
  }

  /**
   * Records a device's report about its rollback, as {@link #transition}; when the report is final,
   * moved the result and a delivery activity waits for it, the completion is due in the same
   * statement and returned, for the caller to send (the completion outbox sends it otherwise).
   */
  public Optional<DueCompletion> reported(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Long bytesSent,
      String errorCode,
      String detail) {
    return move(jobId, deviceId, state, bytesSent, errorCode, detail, null)
        .filter(moved -> state.isTerminal() && moved.getTaskToken() != null)
        .map(
            moved ->
                new DueCompletion(
                    jobId,
                    moved.getTaskToken(),
                    new DeviceUpdateOutcome(
                        deviceId,
                        state,
                        errorCode,
                        moved.getBytesSent() == null ? 0 : moved.getBytesSent()),
                    true));
  }

  private Optional<OtaRollbackResultsRecord> move(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Long bytesSent,
      String errorCode,
      String detail,
      byte[] taskToken) {
    List<String> from = TransitionRules.allowedFrom(state);
    if (from.isEmpty()) {
      return Optional.empty();
    }
    String message = TransitionRules.clip(detail);
    return dsl.transactionResult(
        tx -> {
          DSLContext t = tx.dsl();
          var update =
              t.update(OTA_ROLLBACK_RESULTS)
                  .set(OTA_ROLLBACK_RESULTS.STATE, state.name())
                  .set(OTA_ROLLBACK_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
                  .set(OTA_ROLLBACK_RESULTS.ERROR_CODE, errorCode)
                  .set(OTA_ROLLBACK_RESULTS.ERROR_MESSAGE, message)
                  .set(
                      OTA_ROLLBACK_RESULTS.COMPLETION_DUE,
                      AttemptColumns.ROLLBACKS.completionDueAfter(state));
          if (bytesSent != null) {
            update =
                update.set(
                    OTA_ROLLBACK_RESULTS.BYTES_SENT,
                    DSL.greatest(OTA_ROLLBACK_RESULTS.BYTES_SENT, DSL.val(bytesSent)));
          }
          if (taskToken != null) {
            update = update.set(OTA_ROLLBACK_RESULTS.TASK_TOKEN, taskToken);
          }
          var changed =
              update
                  .where(OTA_ROLLBACK_RESULTS.JOB_ID.eq(jobId))
                  .and(OTA_ROLLBACK_RESULTS.DEVICE_ID.eq(deviceId))
                  .and(OTA_ROLLBACK_RESULTS.STATE.in(from))
                  .returning(
                      OTA_ROLLBACK_RESULTS.ORGANIZATION_ID,
                      OTA_ROLLBACK_RESULTS.ATTEMPT,
                      OTA_ROLLBACK_RESULTS.BYTES_SENT,
                      OTA_ROLLBACK_RESULTS.TASK_TOKEN)
                  .fetchOptional();
          if (changed.isEmpty()) {
            return changed;
          }
          transitions.rollbackMoved(
              t,
              changed.get().getOrganizationId(),
              jobId,
              deviceId,
              state,
              changed.get().getAttempt(),
              changed.get().getBytesSent(),
              errorCode,
              message);
          return changed;
        });
  }

  /** As {@link ResultTransitions#openTaskTokens}, for rollbacks. */
  public List<byte[]> openTaskTokens(List<ResultTransitions.Attempt> attempts) {
    return AttemptColumns.ROLLBACKS.openTaskTokens(dsl, attempts);
  }

  /** As {@link ResultTransitions#offeredAttempts}, for the job's rollbacks. */
  public List<ResultTransitions.Offered> offeredAttempts(UUID jobId) {
    return AttemptColumns.ROLLBACKS.offeredAttempts(dsl, jobId);
  }

  /**
   * Ends every rollback of the job that has not ended (queued, offered, in progress) with {@code
   * state}, with history. Returns how many it ended.
   */
  public int endOpen(UUID jobId, DeviceUpdateState state, String detail) {
    return AttemptColumns.ROLLBACKS.endOpen(
        dsl, jobId, device -> transition(jobId, device, state, null, "INTERRUPTED", detail, null));
  }

  /** As {@link ResultTransitions#takeOver}, for a device's rollback. */
  public TakeOver takeOver(UUID jobId, String deviceId, int attempt, byte[] taskToken) {
    return AttemptColumns.ROLLBACKS.takeOver(dsl, jobId, deviceId, attempt, taskToken);
  }

  /** As {@link ResultTransitions#ended}, for a device's rollback. */
  public Optional<DeviceUpdateOutcome> ended(UUID jobId, String deviceId, int attempt) {
    return AttemptColumns.ROLLBACKS.ended(dsl, jobId, deviceId, attempt);
  }
}
