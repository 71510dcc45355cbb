package dev.firmament.workers.delivery;

import dev.firmament.artifact.ArtifactLinks;
import dev.firmament.manifest.FirmwareVersion;
import dev.firmament.orchestrator.rollout.DeliverySlice;
import dev.firmament.orchestrator.rollout.DeviceReport;
import dev.firmament.orchestrator.rollout.DeviceUpdateActivities;
import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.orchestrator.rollout.SliceOutcome;
import dev.firmament.orchestrator.rollout.StageWorkflow;
import dev.firmament.orchestrator.tracing.TraceLogFields;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.DownloadLink;
import dev.firmament.protocol.Transport;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DownloadLinks;
import dev.firmament.workers.delta.ReleaseSigning;
import dev.firmament.workers.rollout.JobTargets;
import dev.firmament.workers.rollout.JobTargets.UpdateTarget;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
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
  private final WorkflowClient workflows;
  private final DataCaps dataCaps;

  private final Tracer tracer;
  private final ArtifactLinks links;
  private final boolean httpsDownloads;
  private final Duration linkTtl;
  private final int httpsPieceSize;

  public DeviceUpdateActivitiesImpl(
      JobTargets targets,
      ResultTransitions results,
      ArtifactPlanner planner,
      DeviceGateway gateway,
      ReleaseSigning signing,
      WorkflowClient workflows,
      DataCaps dataCaps,
      ObjectProvider<Tracer> tracer,
      ObjectProvider<ArtifactLinks> links,
      @Value("${firmament.delivery.https.enabled:true}") boolean httpsDownloads,
      @Value("${firmament.delivery.https.link-ttl:15m}") Duration linkTtl,
      @Value("${firmament.delivery.https.piece-size:65536}") int httpsPieceSize) {
    this.tracer = Tracing.orNoop(tracer);
    this.links = links.getIfAvailable();
    this.httpsDownloads = httpsDownloads;
    // Wrong values fail the start, not every offer.
    if (linkTtl.compareTo(Duration.ofSeconds(1)) < 0 || linkTtl.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException(
          "firmament.delivery.https.link-ttl must be 1 s to 7 days, was " + linkTtl);
    }
    if (httpsPieceSize < Artifact.MIN_CHUNK_SIZE || httpsPieceSize > Artifact.MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "firmament.delivery.https.piece-size must be "
              + Artifact.MIN_CHUNK_SIZE
              + " to "
              + Artifact.MAX_CHUNK_SIZE
              + " bytes, was "
              + httpsPieceSize);
    }
    this.linkTtl = linkTtl;
    this.httpsPieceSize = httpsPieceSize;
    this.targets = targets;
    this.results = results;
    this.planner = planner;
    this.gateway = gateway;
    this.signing = signing;
    this.workflows = workflows;
    this.dataCaps = dataCaps;
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
    ArtifactPlan plan = planOrEnd(jobId, request, target);
    if (plan == null) {
      return new DeviceUpdateOutcome(
          target.deviceId(), DeviceUpdateState.FAILED, ArtifactPlanner.NO_SPACE, 0);
    }
    DeviceUpdateState heldBack = heldBackForDataCap(jobId, request, target, plan);
    if (heldBack != null) {
      return new DeviceUpdateOutcome(target.deviceId(), heldBack, ResultTransitions.DATA_CAP, 0);
    }
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
    offer(target, request.key(), plan);
    log.debug("update offered key={} bytes={}", request.key(), plan.bytes().length);
    context.doNotCompleteOnReturn();
    return null;
  }

  /**
   * Offers a slice of devices as {@link #updateDevice} offers one, reading their targets in one
   * query and recording their offers in one statement with the slice activity's token and the
   * calling stage as their watcher. Devices that end or wait at once are reported to the stage (in
   * the result when none was offered, else by signal, sent before any offer so that a failed signal
   * fails the slice before a device hears of it); the offered devices' final reports are signalled
   * by the status bridge, which completes this activity once all of them ended. A slice that takes
   * handed-over attempts over ({@link DeliverySlice#resume}) first makes the open ones its own, and
   * treats the others as above: ended ones are reported, never-offered ones offered.
   */
  @Override
  public SliceOutcome deliverSlice(DeliverySlice slice) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    UUID jobId = UUID.fromString(slice.jobId());
    String stage = context.getInfo().getWorkflowId();
    // A take-over: the attempts still open are now this slice's, and are not offered again.
    Set<String> takenOver =
        slice.resume()
            ? results.takeOverSlice(jobId, slice.deviceIds(), context.getTaskToken(), stage)
            : Set.of();
    Map<String, UpdateTarget> found = targets.updateTargets(jobId, slice.deviceIds());
    List<DeviceReport> reports = new ArrayList<>();
    List<DeviceUpdateRequest> offered = new ArrayList<>();
    List<UpdateTarget> offeredTargets = new ArrayList<>();
    List<ArtifactPlan> plans = new ArrayList<>();
    List<ResultTransitions.Offer> offers = new ArrayList<>();
    for (int i = 0; i < slice.deviceIds().size(); i++) {
      DeviceUpdateRequest request = slice.request(i);
      if (takenOver.contains(request.deviceId())) {
        continue;
      }
      UpdateTarget target = found.get(request.deviceId());
      DeviceReport atOnce = atOnce(jobId, request, target);
      if (atOnce != null) {
        reports.add(atOnce);
        continue;
      }
      ArtifactPlan plan = planOrEnd(jobId, request, target);
      if (plan == null) {
        reports.add(
            new DeviceReport(
                target.deviceId(),
                request.attempt(),
                DeviceUpdateState.FAILED,
                ArtifactPlanner.NO_SPACE));
        continue;
      }
      DeviceUpdateState heldBack = heldBackForDataCap(jobId, request, target, plan);
      if (heldBack != null) {
        reports.add(
            new DeviceReport(
                target.deviceId(), request.attempt(), heldBack, ResultTransitions.DATA_CAP));
        continue;
      }
      offered.add(request);
      offeredTargets.add(target);
      plans.add(plan);
      offers.add(
          new ResultTransitions.Offer(
              target.deviceId(),
              plan.artifact().kind().name(),
              target.sha256(),
              plan.artifact().size(),
              "offered " + plan.artifact().kind() + " " + plan.bytes().length + " bytes"));
    }
    if (offered.isEmpty() && takenOver.isEmpty()) {
      return new SliceOutcome(reports);
    }
    if (!reports.isEmpty()) {
      workflows.newWorkflowStub(StageWorkflow.class, stage).deviceReports(reports);
    }
    // The token and watcher are stored before the offers, so that even an instant report finds
    // them.
    results.offeredAll(jobId, offers, context.getTaskToken(), stage);
    for (int i = 0; i < offered.size(); i++) {
      offer(offeredTargets.get(i), offered.get(i).key(), plans.get(i));
    }
    log.debug(
        "slice offered job={} devices={} takenOver={}", jobId, offered.size(), takenOver.size());
    context.doNotCompleteOnReturn();
    return null;
  }

  /**
   * A slice's device that needs no offer, as {@link #updateDevice} decides for one: not a target
   * (FAILED), ended already, already on the target (SKIPPED), or offline (waits, QUEUED); null when
   * it is to be offered.
   */
  private DeviceReport atOnce(UUID jobId, DeviceUpdateRequest request, UpdateTarget target) {
    String deviceId = request.deviceId();
    if (target == null) {
      String detail = "device " + deviceId + " is not a target of job " + jobId;
      results.transition(
          jobId,
          deviceId,
          request.attempt(),
          DeviceUpdateState.FAILED,
          null,
          RolloutFailures.DEVICE_NOT_UPDATABLE,
          detail,
          null);
      return new DeviceReport(
          deviceId,
          request.attempt(),
          DeviceUpdateState.FAILED,
          RolloutFailures.DEVICE_NOT_UPDATABLE);
    }
    if (target.resultState() == null) {
      results.ensureQueued(
          target.organizationId(), jobId, target.deviceId(), target.deviceVersion());
    } else if (target.resultState().isTerminal()) {
      return new DeviceReport(
          deviceId, request.attempt(), target.resultState(), target.errorCode());
    }
    boolean neverOffered =
        target.resultState() == null || target.resultState() == DeviceUpdateState.QUEUED;
    if (neverOffered && target.targetVersion().equals(target.deviceVersion())) {
      results.transition(
          jobId,
          deviceId,
          DeviceUpdateState.SKIPPED,
          0L,
          null,
          "device already runs " + target.targetVersion(),
          null);
      return new DeviceReport(deviceId, request.attempt(), DeviceUpdateState.SKIPPED, null);
    }
    if (request.waitOffline() && !target.online()) {
      results.waiting(jobId, deviceId);
      return new DeviceReport(deviceId, request.attempt(), DeviceUpdateState.QUEUED, "OFFLINE");
    }
    return null;
  }

  /**
   * The device's artifact; null when nothing fits the device, its result then ended FAILED with the
   * planner's code and why (an image larger than its single slot).
   */
  private ArtifactPlan planOrEnd(UUID jobId, DeviceUpdateRequest request, UpdateTarget target) {
    try {
      return planner.plan(jobId, target);
    } catch (ArtifactPlanner.Unservable e) {
      results.transition(
          jobId,
          target.deviceId(),
          request.attempt(),
          DeviceUpdateState.FAILED,
          null,
          e.code(),
          e.getMessage(),
          null);
      return null;
    }
  }

  /**
   * Holds back a device not offered yet whose active SIM would pass its monthly cap with the
   * planned artifact, as the rollout's data policy says (docs/connectivity.md, "Data-aware
   * rollouts"), unless an operator overrode it: DEFER has its result wait (QUEUED, DATA_CAP) as an
   * offline device waits, so only a rollout whose devices may wait (one with an expiry) defers;
   * SKIP ends it SKIPPED (DATA_CAP). Returns the state it was left in, or null when it is to be
   * offered.
   */
  private DeviceUpdateState heldBackForDataCap(
      UUID jobId, DeviceUpdateRequest request, UpdateTarget target, ArtifactPlan plan) {
    boolean neverOffered =
        target.resultState() == null || target.resultState() == DeviceUpdateState.QUEUED;
    boolean defer = "DEFER".equals(target.dataPolicy()) && request.waitOffline();
    boolean skip = "SKIP".equals(target.dataPolicy());
    if (!(defer || skip) || !neverOffered) {
      return null;
    }
    Optional<DataCaps.Deferral> over =
        dataCaps.check(target.deviceId(), plan.artifact().size(), OffsetDateTime.now());
    if (over.isEmpty()) {
      return null;
    }
    DataCaps.Deferral d = over.get();
    log.info(
        "update held back for the data cap job={} device={} policy={} used={} cap={} bytes={}",
        jobId,
        target.deviceId(),
        target.dataPolicy(),
        d.used(),
        d.cap(),
        d.updateBytes());
    if (skip) {
      results.transition(
          jobId,
          target.deviceId(),
          DeviceUpdateState.SKIPPED,
          0L,
          ResultTransitions.DATA_CAP,
          d.skippedDetail(),
          null);
      return DeviceUpdateState.SKIPPED;
    }
    results.deferred(jobId, target.deviceId(), d.until(), d.updateBytes(), d.detail());
    return DeviceUpdateState.QUEUED;
  }

  /**
   * Hands the update to the gateway. An older build goes out only when the rollout's creator
   * allowed it, with the release key's grant for this device and update; otherwise the device
   * refuses it (DOWNGRADE_REFUSED).
   */
  private void offer(UpdateTarget target, String key, ArtifactPlan plan) {
    boolean downgrade =
        target.allowDowngrade()
            && target.deviceVersion() != null
            && FirmwareVersion.isDowngrade(target.deviceVersion(), target.targetVersion());
    boolean https = downloads(target, plan);
    // The end of a rollout's trace on the server: the offer handed to the gateway.
    Span span =
        tracer
            .spanBuilder("device offer")
            .setSpanKind(SpanKind.PRODUCER)
            .setAttribute("firmament.device_id", target.deviceId())
            .setAttribute("firmament.target_version", target.targetVersion())
            .setAttribute("firmament.artifact_kind", plan.artifact().kind().name())
            .setAttribute("firmament.artifact_bytes", plan.artifact().size())
            .setAttribute("firmament.downgrade", downgrade)
            .setAttribute("firmament.transport", (https ? Transport.HTTPS : Transport.MQTT).name())
            .startSpan();
    Scope scope = span.makeCurrent();
    TraceLogFields fields = TraceLogFields.of(span);
    try {
      offerThroughGateway(target, key, plan, downgrade, https);
    } finally {
      fields.close();
      scope.close();
      span.end();
    }
  }

  /**
   * Whether the device downloads the artifact itself: it declared HTTPS, this server hands out
   * links, and the artifact is stored (a chain put together for the device is not, and goes as
   * chunks).
   */
  private boolean downloads(UpdateTarget target, ArtifactPlan plan) {
    return httpsDownloads
        && links != null
        && plan.storageKey() != null
        && target.supports(Transport.HTTPS);
  }

  private void offerThroughGateway(
      UpdateTarget target, String key, ArtifactPlan plan, boolean downgrade, boolean https) {
    ArtifactSource source = null;
    DownloadLinks signer = null;
    Artifact artifact = plan.artifact();
    if (https) {
      // A device that downloads reports progress every window / 2 pieces: larger pieces than MQTT
      // chunks keep its reports few (what the workers and the broker carry for it), within what
      // the device takes.
      artifact =
          new Artifact(
              artifact.kind(),
              artifact.fromVersion(),
              artifact.size(),
              artifact.sha256(),
              target.capabilities().chunkSize(httpsPieceSize));
      String storageKey = plan.storageKey();
      signer =
          () -> {
            ArtifactLinks.Link link = links.presignGet(storageKey, linkTtl);
            return new DownloadLink(link.url(), link.expiresAt());
          };
    } else {
      source = ArtifactSource.ofBytes(plan.bytes());
    }
    gateway.offer(
        new Delivery(
            target.deviceId(),
            key,
            target.targetVersion(),
            artifact,
            downgrade,
            plan.signature(),
            plan.manifest(),
            downgrade
                ? signing.grantDowngrade(target.deviceId(), key, plan.manifest()).orElse(null)
                : null,
            source,
            signer));
  }
}
