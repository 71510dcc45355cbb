package dev.firmament.workers.delivery;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.workers.delta.ReleaseSigning;
import dev.firmament.workers.rollout.ResultTransitions.DueCompletion;
import dev.firmament.workers.rollout.RollbackRecords;
import dev.firmament.workers.rollout.RollbackRecords.RollbackTarget;
import dev.firmament.workers.rollout.TakeOver;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Delivers a device its previous version as part of a rollback stage: the offer carries {@code
 * rollback=true} and the update id {@code rollout/{job}/rollback/{device}}, and the device's final
 * report completes the activity through {@link #onReport}. Idempotent on that key: a terminal
 * rollback result is returned as it is.
 */
@Component
public class RollbackDelivery {
  private static final Pattern KEY =
      Pattern.compile("rollout/([0-9a-f-]{36})/rollback/([A-Za-z0-9_-]{1,64})");

  private final RollbackRecords records;
  private final ArtifactCache artifacts;
  private final DeviceGateway gateway;
  private final ReleaseSigning signing;
  private final int chunkSize;

  public RollbackDelivery(
      RollbackRecords records,
      ArtifactCache artifacts,
      DeviceGateway gateway,
      ReleaseSigning signing,
      @Value("${firmament.delivery.chunk-size:4096}") int chunkSize) {
    this.records = records;
    this.artifacts = artifacts;
    this.gateway = gateway;
    this.signing = signing;
    this.chunkSize = chunkSize;
  }

  /** The job and device a rollback update id names, or null when it is not one. */
  public static String[] parseKey(String updateId) {
    if (updateId == null) {
      return null;
    }
    Matcher m = KEY.matcher(updateId);
    return m.matches() ? new String[] {m.group(1), m.group(2)} : null;
  }

  public DeviceUpdateOutcome offer(DeviceUpdateRequest request, ActivityExecutionContext context) {
    UUID jobId = UUID.fromString(request.jobId());
    RollbackTarget target =
        records
            .target(jobId, request.deviceId())
            .orElseThrow(
                () ->
                    ApplicationFailure.newNonRetryableFailure(
                        "device " + request.deviceId() + " has no rollback in job " + jobId,
                        RolloutFailures.DEVICE_NOT_UPDATABLE));
    if (target.state() != null && target.state().isTerminal()) {
      return new DeviceUpdateOutcome(
          target.deviceId(), target.state(), target.errorCode(), target.bytesSent());
    }
    if (target.storageKey() == null) {
      String detail = "previous version " + target.toVersion() + " is not in the catalogue";
      records.transition(
          jobId, target.deviceId(), DeviceUpdateState.FAILED, 0L, "NO_IMAGE", detail, null);
      return new DeviceUpdateOutcome(target.deviceId(), DeviceUpdateState.FAILED, "NO_IMAGE", 0);
    }
    byte[] image = artifacts.get(target.storageKey());
    // The token is stored before the offer, so that even an instant report finds it.
    records.transition(
        jobId,
        target.deviceId(),
        DeviceUpdateState.SENT,
        null,
        null,
        "offered rollback to " + target.toVersion(),
        context.getTaskToken());
    gateway.offer(
        new Delivery(
            target.deviceId(),
            request.key(),
            target.toVersion(),
            Artifact.full(image.length, target.sha256(), chunkSize),
            true,
            // The previous version's own signed manifest, and the signed grant to go back to it
            // for this device and this update: a device that verifies signatures accepts a
            // rollback only with both (the rollback flag itself is not signed).
            target.signature(),
            target.manifest(),
            target.signature() == null
                ? null
                : signing
                    .grantDowngrade(target.deviceId(), request.key(), target.manifest())
                    .orElse(null),
            ArtifactSource.ofBytes(image)));
    context.doNotCompleteOnReturn();
    return null;
  }

  /**
   * Takes over a device's open rollback for a later stage run ({@link RollbackRecords#takeOver}).
   */
  public TakeOver takeOver(
      UUID jobId, String deviceId, int attempt, ActivityExecutionContext context) {
    return records.takeOver(jobId, deviceId, attempt, context.getTaskToken());
  }

  /** Checks a device's report about its rollback ({@link RollbackRecords#check}). */
  public RollbackRecords.Claim check(
      UUID jobId,
      String deviceId,
      DeviceUpdateState state,
      Long offset,
      String code,
      String detail,
      String currentVersion) {
    return records.check(jobId, deviceId, state, offset, code, detail, currentVersion);
  }

  /**
   * Records a device's checked report about its rollback; returns the completion it owes when the
   * report is final and changed the result (due in the same statement, so that the completion
   * outbox sends it if the caller cannot).
   */
  public Optional<DueCompletion> onReport(
      UUID jobId, String deviceId, RollbackRecords.Claim claim) {
    return records.reported(
        jobId, deviceId, claim.state(), claim.bytesSent(), claim.errorCode(), claim.detail());
  }
}
