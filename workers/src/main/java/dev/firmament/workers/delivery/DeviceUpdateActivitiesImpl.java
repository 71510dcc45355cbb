package dev.firmament.workers.delivery;

import dev.firmament.manifest.FirmwareVersion;
import dev.firmament.orchestrator.rollout.DeviceUpdateActivities;
import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.workers.delta.ReleaseSigning;
import dev.firmament.workers.rollout.JobTargets;
import dev.firmament.workers.rollout.JobTargets.UpdateTarget;
import dev.firmament.workers.rollout.ResultTransitions;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Offers a device its update and leaves the activity open: the {@link StatusBridge} completes it
 * when the device reports a final state, so no thread waits while the device works.
 *
 * <p>Idempotent on {@code rollout/{job}/device/{device}}: a result that is already terminal is
 * returned as it is; otherwise the same update id is offered again and the gateway resumes it.
 */
@Component
public class DeviceUpdateActivitiesImpl implements DeviceUpdateActivities {
  private static final Logger log = LoggerFactory.getLogger(DeviceUpdateActivitiesImpl.class);

  private final JobTargets targets;
  private final ResultTransitions results;
  private final ArtifactPlanner planner;
  private final DeviceGateway gateway;
  private final ReleaseSigning signing;

  public DeviceUpdateActivitiesImpl(
      JobTargets targets,
      ResultTransitions results,
      ArtifactPlanner planner,
      DeviceGateway gateway,
      ReleaseSigning signing) {
    this.targets = targets;
    this.results = results;
    this.planner = planner;
    this.gateway = gateway;
    this.signing = signing;
  }

  @Override
  public DeviceUpdateOutcome updateDevice(DeviceUpdateRequest request) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    UUID jobId = UUID.fromString(request.jobId());
    UpdateTarget target =
        targets
            .updateTarget(jobId, request.deviceId())
            .orElseThrow(
                () ->
                    ApplicationFailure.newNonRetryableFailure(
                        "device " + request.deviceId() + " is not a target of job " + jobId,
                        RolloutFailures.DEVICE_NOT_UPDATABLE));

    if (target.resultState() == null) {
      results.ensureQueued(
          target.organizationId(), jobId, target.deviceId(), target.deviceVersion());
    } else if (target.resultState().isTerminal()) {
      return new DeviceUpdateOutcome(
          target.deviceId(), target.resultState(), target.errorCode(), target.bytesSent());
    }

    boolean neverOffered =
        target.resultState() == null || target.resultState() == DeviceUpdateState.QUEUED;
    // A device that already runs the target is skipped only before its offer: once offered, it
    // may run the target because it installed this very update (its final report lost with a
    // worker or a broker), and the same offer again makes it report its end again.
    if (neverOffered && target.targetVersion().equals(target.deviceVersion())) {
      results.transition(
          jobId,
          target.deviceId(),
          DeviceUpdateState.SKIPPED,
          0L,
          null,
          "device already runs " + target.targetVersion(),
          null);
      return new DeviceUpdateOutcome(target.deviceId(), DeviceUpdateState.SKIPPED, null, 0);
    }

    if (request.waitOffline() && !target.online()) {
      // Offline when its turn came: it waits for its presence without holding a slot.
      results.waiting(jobId, target.deviceId());
      return new DeviceUpdateOutcome(target.deviceId(), DeviceUpdateState.QUEUED, "OFFLINE", 0);
    }
    ArtifactPlan plan = planner.plan(jobId, target);
    // The token is stored before the offer, so that even an instant report finds it.
    boolean moved =
        results.offered(
            jobId,
            target.deviceId(),
            plan.artifact().kind().name(),
            target.sha256(),
            plan.artifact().size(),
            "offered " + plan.artifact().kind() + " " + plan.bytes().length + " bytes",
            context.getTaskToken());
    if (!moved && request.resume()) {
      // The previous run's activity offered it meanwhile: this one is the one to complete.
      results.takeOver(jobId, target.deviceId(), request.attempt(), context.getTaskToken());
    }
    // An older build goes out only when the rollout's creator allowed it, with the release key's
    // grant for this device and update; otherwise the device refuses it (DOWNGRADE_REFUSED).
    boolean downgrade =
        target.allowDowngrade()
            && target.deviceVersion() != null
            && FirmwareVersion.isDowngrade(target.deviceVersion(), target.targetVersion());
    gateway.offer(
        new Delivery(
            target.deviceId(),
            request.key(),
            target.targetVersion(),
            plan.artifact(),
            downgrade,
            plan.signature(),
            plan.manifest(),
            downgrade
                ? signing
                    .grantDowngrade(target.deviceId(), request.key(), plan.manifest())
                    .orElse(null)
                : null,
            ArtifactSource.ofBytes(plan.bytes())));
    log.debug("update offered key={} bytes={}", request.key(), plan.bytes().length);
    context.doNotCompleteOnReturn();
    return null;
  }
}
