package dev.firmament.orchestrator.rollout.engine;

import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeliverySlice;
import dev.firmament.orchestrator.rollout.DeviceReport;
import dev.firmament.orchestrator.rollout.DeviceUpdateActivities;
import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.GateBreach;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.HealthReport;
import dev.firmament.orchestrator.rollout.OpenDevice;
import dev.firmament.orchestrator.rollout.RatePlan;
import dev.firmament.orchestrator.rollout.RolloutActivities;
import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.orchestrator.rollout.RolloutWorkflow;
import dev.firmament.orchestrator.rollout.SliceOutcome;
import dev.firmament.orchestrator.rollout.StageCarry;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.StageKind;
import dev.firmament.orchestrator.rollout.StagePage;
import dev.firmament.orchestrator.rollout.StageProgress;
import dev.firmament.orchestrator.rollout.StageRequest;
import dev.firmament.orchestrator.rollout.StageResult;
import dev.firmament.orchestrator.rollout.StageStatus;
import dev.firmament.orchestrator.rollout.StageWorkflow;
import dev.firmament.orchestrator.rollout.TaskQueues;
import dev.firmament.orchestrator.rollout.WindowState;
import dev.firmament.orchestrator.rollout.policy.FailureRateGate;
import dev.firmament.orchestrator.rollout.policy.GateVerdict;
import dev.firmament.orchestrator.rollout.policy.HealthGate;
import dev.firmament.orchestrator.rollout.policy.RateRamp;
import dev.firmament.orchestrator.rollout.policy.RetryDecision;
import dev.firmament.orchestrator.rollout.policy.SuccessThresholdGate;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Runs one stage: pages through the stage's devices (ids only), starts each device's update while
 * fewer than {@code maxInFlight} are running, inside the maintenance window and at the stage's
 * rate, retries failed devices per policy, judges the gate after every outcome, then soaks and
 * checks the devices' health.
 *
 * <p>Each run starts one page of devices, then continues as new with a {@link StageCarry}, so the
 * history of a run is bounded by the page size and {@code maxInFlight}, whatever the stage's size.
 * Since {@link #SLIDING_WINDOW} version 1 a run does not wait for its page's last device: once most
 * of them answered (or {@link #HANDOVER_GRACE} passed), the devices still updating or waiting out a
 * retry backoff are carried over ({@link OpenDevice}) and the next run takes them over, each with
 * what is left of its device timeout, so a slow or silent device holds one slot, never a page. Runs
 * recorded before that drain their page first, as they did. Waiting on a device holds no thread:
 * the delivery activity is completed by the device's report.
 *
 * <p>A stage whose request says so ({@link StageRequest#sliced}) starts its devices' first offers
 * in slices: one delivery activity offers up to {@link StageRequest#deliverySlice} devices, and the
 * devices' reports reach the stage in batches as {@link #deviceReports} signals rather than as one
 * activity completion each. Everything else (a take-over, a re-adoption, a retry, a waiting device
 * that connected, a rollback) still goes one device at a time. A report counts only for the attempt
 * the stage holds open, so a report that arrives twice, or by two ways, counts once.
 */
public class StageWorkflowImpl implements StageWorkflow {
  private static final Logger log = Workflow.getLogger(StageWorkflowImpl.class);

  /** Change id: a retry backoff ends when the stage stops (version 1). */
  static final String BACKOFF_ENDS_ON_STOP = "retry-backoff-ends-on-stop";

  /** Change id: a retry takes the failed devices of earlier stages too (version 1). */
  static final String RETRY_TAKES_EARLIER_FAILURES = "retry-takes-earlier-failures";

  /** Change id: a run hands its open devices over to the next instead of draining (version 1). */
  static final String SLIDING_WINDOW = "sliding-window";

  /**
   * Change id: a stage that is not the last advances on the evidence of the devices that answered
   * and hands its stragglers to the next stage (version 1).
   */
  static final String ADVANCE_ON_EVIDENCE = "advance-on-evidence";

  /**
   * Change id: a device whose delivery failed or timed out on the server's side is counted as
   * PostgreSQL holds it, which is the device's own final report when that won the race (version 1).
   */
  static final String SETTLE_UNREPORTED = "settle-unreported";

  /**
   * Change id: at the rollout's expiry, waiting devices that are online are offered once before the
   * rest end offline (version 1).
   */
  static final String SERVE_BEFORE_EXPIRY = "serve-before-expiry";

  /**
   * Change id: the run that lists a stage's last page (shorter than a page) serves it to the end
   * itself instead of handing its open devices to a new run that would find nothing more to start;
   * a stage that absorbs joiners looks for them once its devices have finished (version 1).
   */
  static final String LAST_PAGE_IN_RUN = "last-page-in-run";

  /** Change id: a gate's breach is published as the event firmament/rollout/gate (version 1). */
  static final String GATE_EVENT = "gate-event";

  /**
   * Change id: a breach is published among the stage's writes, which the stage waits for before it
   * ends, instead of by a call that blocked only the signal handler that judged it: the stage could
   * end in the same workflow task as the one that scheduled the publication, which then never ran
   * (version 1).
   */
  static final String GATE_EVENT_AWAITED = "gate-event-awaited";

  /** The longest wait before a delivery that failed on the worker's side runs again. */
  static final Duration MAX_READOPT_WAIT = Duration.ofSeconds(30);

  /** Failures that say the device or the rollout's data cannot be delivered: never re-adopted. */
  private static final Set<String> FINAL_FAILURES =
      Set.of(
          RolloutFailures.DEVICE_NOT_UPDATABLE,
          RolloutFailures.DATA_REFUSED,
          RolloutFailures.JOB_NOT_FOUND);

  /** How long a run waits at its end for the devices that answer within moments. */
  static final Duration HANDOVER_GRACE = Duration.ofSeconds(30);

  /** How often the stage that serves waiting devices looks for them without being told. */
  static final Duration WAITING_POLL = Duration.ofMinutes(1);

  /** The history length at which the stage that serves waiting devices continues as new. */
  static final int WAITING_HISTORY_LIMIT = 5_000;

  private final RolloutActivities bookkeeping =
      Workflow.newActivityStub(RolloutActivities.class, BookkeepingOptions.get());

  private StageRequest request;
  private StageStatus status = StageStatus.RUNNING;
  private final List<Promise<Void>> writes = new ArrayList<>();
  private Random random;

  private int assigned;
  private int started;
  private int inFlight;
  private int succeeded;
  private int skipped;
  private int failed;
  private int timedOut;
  private int rejected;
  private int rolledBack;
  private int unhealthy;

  private boolean paused;
  private boolean promoted;

  /**
   * Waiting devices this run started: a list of waiting devices read before one of them was offered
   * may still name it after it finished, and it must not start twice.
   */
  private final java.util.Set<String> servedFromWaiting = new java.util.HashSet<>();

  /** Whether this stage advanced with devices still open, which it hands to the next stage. */
  private boolean handingOver;

  /** Devices counted as started whose slice has not been offered yet ({@link #flushSlice}). */
  private final List<String> sliceIds = new ArrayList<>();

  private final List<Integer> sliceAttempts = new ArrayList<>();

  /**
   * The slice whose activity carries each device's open attempt in this run; a device that left it
   * (it waits, or runs again on an activity of its own) is not that slice's to settle.
   */
  private final Map<String, DeliverySlice> sliceOf = new java.util.HashMap<>();

  /** Reports that arrived before this run took its devices over, handled once it has. */
  private final List<DeviceReport> earlyReports = new ArrayList<>();

  private boolean takenOver;

  /** Set by {@link #devicesOnline}: a waiting device connected. */
  private boolean someoneOnline;

  private boolean canceled;
  private String abortReason;
  private BreachAction breach;
  private String breachReason;
  private boolean retryRequested;
  private int breachesHandled;

  /** The operator resumed over a health breach: the health gate holds for the rest of the soak. */
  private boolean healthAccepted;

  /** All failures of the stage when the operator last resumed over an end-of-stage breach. */
  private int acceptedAtEnd = -1;

  /** The devices updating or waiting out a backoff, by id, in the order they started. */
  private final Map<String, OpenDevice> open = new LinkedHashMap<>();

  private ActivityOptions deliveryOptions;

  private DeviceUpdateActivities delivery;

  private RateRamp ramp;
  private long nextStartAt;
  private WindowState windowState;

  /**
   * The position of the last device this run went through. Requeued devices get positions after
   * every existing one, so paging on from here finds exactly them.
   */
  private long cursor;

  /** How often each open device's delivery was re-adopted in this run (for the backoff). */
  private final Map<String, Integer> readoptions = new LinkedHashMap<>();

  @Override
  public StageResult run(StageRequest stageRequest) {
    request = stageRequest;
    random = Workflow.newRandom();
    StageCarry carry = request.carry();
    restore(carry);
    cursor = carry.afterPosition();
    deliveryOptions =
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.DELIVERY)
            // The device timeout is the in-progress timeout: a silent device times out here.
            .setStartToCloseTimeout(request.deviceTimeout())
            // Retries per device are a rollout policy (RetryPolicy), decided by this workflow.
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            // The worker that offered a delivery heartbeats it while it is open; a lost worker
            // stops, and the delivery is re-adopted (readopt).
            .setHeartbeatTimeout(request.deliveryHeartbeat())
            .build();
    delivery = Workflow.newActivityStub(DeviceUpdateActivities.class, deliveryOptions);
    boolean sliding =
        Workflow.getVersion(SLIDING_WINDOW, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;

    boolean firstRun = carry.afterPosition() == 0 && carry.counters().started() == 0;
    status = paused ? StageStatus.PAUSED : StageStatus.RUNNING;
    if (firstRun) {
      publish();
    }
    if (sliding) {
      takeOver(carry.open());
    }
    takenOver = true;
    List<DeviceReport> early = List.copyOf(earlyReports);
    earlyReports.clear();
    early.forEach(this::report);
    if (sliding) {
      if (request.onlyWaiting()) {
        serveWaitingUntilExpiry();
        return finish();
      }
    }

    StagePage page =
        bookkeeping.listStage(
            request.jobId(), request.index(), carry.afterPosition(), request.pageSize());
    if (page.deviceIds().isEmpty() && request.absorbJoiners() && !stopping()) {
      int joined = bookkeeping.assignJoiners(request.jobId(), request.index());
      if (joined > 0) {
        assigned += joined;
        page =
            bookkeeping.listStage(
                request.jobId(), request.index(), carry.afterPosition(), request.pageSize());
      }
    }
    for (int i = 0; i < page.deviceIds().size(); i++) {
      if (!awaitStartable()) {
        break;
      }
      started++;
      // A device an operator requeued goes on from its stored attempt, so that the retry policy's
      // next attempt reopens its result (reopening is keyed by attempt).
      if (request.sliced()) {
        addToSlice(page.deviceIds().get(i), page.attemptOf(i));
      } else {
        startDevice(delivery, page.deviceIds().get(i), page.attemptOf(i));
      }
    }
    flushSlice();
    if (sliding && request.waitsForPresence() && !stopping()) {
      // Devices of earlier pages that waited for their presence and are online now.
      serveWaiting();
    }
    boolean lastPage = sliding && isLastPage(page);
    if (sliding && !stopping() && !retryRequested && !page.deviceIds().isEmpty() && !lastPage) {
      handOver(page.lastPosition());
    }
    if (sliding
        && request.handsOver()
        && !stopping()
        && (page.deviceIds().isEmpty() || lastPage)
        && Workflow.getVersion(ADVANCE_ON_EVIDENCE, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION) {
      // Every device started: go on as soon as the answers so far satisfy the gate and only a few
      // stragglers are left; they keep being served through the soak, then the next stage.
      Workflow.await(() -> inFlight == 0 || stopping() || retryRequested || evidence());
      handingOver = inFlight > 0 && !stopping() && !retryRequested;
    }
    if (!handingOver) {
      drain();
    }
    cursor = page.lastPosition();

    if (!stopping()) {
      if (retryRequested) {
        requeueFailed();
        continueAsNew(cursor);
      }
      if (!page.deviceIds().isEmpty() && !lastPage) {
        // More devices may follow (a full page, or joiners on a stage that absorbs them).
        continueAsNew(cursor);
      }
      if (lastPage && request.absorbJoiners()) {
        int joined = bookkeeping.assignJoiners(request.jobId(), request.index());
        if (joined > 0) {
          assigned += joined;
          continueAsNew(cursor);
        }
      }
      endOfDevices();
    }
    return finish();
  }

  /**
   * Whether this page is the stage's last, served to the end in this run (since {@link
   * #LAST_PAGE_IN_RUN} version 1): it is shorter than a page. Runs recorded before handed its open
   * devices to a new run, as they did.
   */
  private boolean isLastPage(StagePage page) {
    return !page.deviceIds().isEmpty()
        && page.deviceIds().size() < request.pageSize()
        && Workflow.getVersion(LAST_PAGE_IN_RUN, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
  }

  /** Every device has finished: final gate, soak, health gate, and the success threshold. */
  private void endOfDevices() {
    if (paused) {
      // Paused by the operator or by the gate while the last devices ran: hold here, so that the
      // operator can retry the failed devices before the stage is judged.
      setStatus(StageStatus.PAUSED);
      Workflow.await(() -> !paused || stopping() || retryRequested);
      if (retryRequested && !stopping()) {
        requeueFailed();
        continueAsNew(cursor);
      }
      if (stopping()) {
        return;
      }
      setStatus(StageStatus.RUNNING);
    }
    if (judgeAtEnd()) {
      return;
    }
    Duration soak = request.plan().soak();
    if (!soak.isZero() && request.kind() == StageKind.UPDATE) {
      status = StageStatus.SOAKING;
      publish();
      if (soakWatchingHealth(soak)) {
        return;
      }
      if (retryRequested && !stopping()) {
        requeueFailed();
        continueAsNew(cursor);
      }
      if (stopping()) {
        return;
      }
      unhealthy = bookkeeping.unhealthyDevices(request.jobId(), request.index());
      if (judgeAtEnd()) {
        return;
      }
    }
    status = StageStatus.SUCCEEDED;
  }

  /**
   * Soaks for {@code soak} or until promoted, stopped or asked to retry; with a health gate, judges
   * it every {@code checkEvery} and once more at the end. Returns whether the stage stops here (a
   * health breach with ABORT or ROLLBACK).
   */
  private boolean soakWatchingHealth(Duration soak) {
    HealthPlan health = request.plan().gate().health();
    if (health == null) {
      Workflow.await(soak, () -> promoted || stopping() || retryRequested);
      return false;
    }
    long end = Workflow.currentTimeMillis() + soak.toMillis();
    while (true) {
      long left = end - Workflow.currentTimeMillis();
      if (left > 0
          && Workflow.await(
              Duration.ofMillis(Math.min(left, health.checkEvery().toMillis())),
              () -> promoted || stopping() || retryRequested)) {
        return false;
      }
      if (judgeHealth(health)) {
        return true;
      }
      if (left <= health.checkEvery().toMillis() || stopping() || retryRequested) {
        return false;
      }
    }
  }

  /**
   * Judges the health gate. A PAUSE breach waits for the operator: resume accepts the stage's
   * health for the rest of its soak, retry-failed sends its failed devices again. Returns whether
   * the stage stops here.
   */
  private boolean judgeHealth(HealthPlan health) {
    if (healthAccepted) {
      return false;
    }
    HealthReport report = bookkeeping.vitalsHealth(request.jobId(), request.index(), health);
    if (HealthGate.evaluate(health, report) != GateVerdict.BREACHED) {
      return false;
    }
    GatePlan gate = request.plan().gate();
    String reason =
        "health gate breached in stage " + request.plan().name() + ": " + report.detail();
    log.info(
        "health gate breached job={} stage={} action={} {}",
        request.jobId(),
        request.index(),
        gate.onBreach(),
        report.detail());
    if (gate.onBreach() != BreachAction.PAUSE) {
      breach = gate.onBreach();
      breachReason = reason;
      announceBreach("HEALTH", report.detail());
      return true;
    }
    bookkeeping.recordDetail(request.jobId(), "paused: " + reason);
    paused = true;
    status = StageStatus.PAUSED;
    publish();
    announceBreach("HEALTH", report.detail());
    Workflow.await(() -> !paused || stopping() || retryRequested);
    if (retryRequested && !stopping()) {
      requeueFailed();
      continueAsNew(cursor);
    }
    healthAccepted = true;
    if (!stopping()) {
      bookkeeping.recordDetail(request.jobId(), null);
      setStatus(StageStatus.SOAKING);
    }
    return false;
  }

  /**
   * Applies the gate once every device has finished. A PAUSE breach waits for the operator: resume
   * accepts the stage as it is, retry-failed sends its failed devices again. Returns whether the
   * stage stops here.
   */
  private boolean judgeAtEnd() {
    GatePlan gate = request.plan().gate();
    StageCounters counters = counters();
    boolean rateBreached = FailureRateGate.evaluate(gate, counters) == GateVerdict.BREACHED;
    boolean breached =
        rateBreached || SuccessThresholdGate.evaluate(gate, counters) == GateVerdict.BREACHED;
    // A PAUSE breach at the end waits for the operator once per set of failures: failures the
    // operator already resumed over (while running or at the end) do not pause the stage again.
    int failures = counters.allFailures();
    if (!breached
        || (gate.onBreach() == BreachAction.PAUSE
            && failures <= Math.max(breachesHandled, acceptedAtEnd))) {
      return stopping();
    }
    // A breach that stops the stage was published when it happened, while devices still ran.
    boolean announce = breach == null;
    String gateName = rateBreached ? "FAILURE_RATE" : "SUCCESS_THRESHOLD";
    if (gate.onBreach() != BreachAction.PAUSE) {
      breach = gate.onBreach();
      breachReason = describeBreach(counters);
      if (announce) {
        announceBreach(gateName, breachReason);
      }
      return true;
    }
    paused = true;
    status = StageStatus.PAUSED;
    publish();
    announceBreach(gateName, describeBreach(counters));
    Workflow.await(() -> !paused || stopping() || retryRequested);
    if (retryRequested && !stopping()) {
      requeueFailed();
      continueAsNew(cursor);
    }
    acceptedAtEnd = failures;
    setStatus(StageStatus.RUNNING);
    return stopping();
  }

  private boolean awaitStartable() {
    int maxInFlight = request.plan().maxInFlight();
    while (true) {
      if (!sliceIds.isEmpty() && mayWait(maxInFlight)) {
        // Devices already counted as started are offered before this run waits for anything.
        flushSlice();
      }
      Workflow.await(() -> stopping() || (!paused && inFlight < maxInFlight));
      if (stopping()) {
        return false;
      }
      long now = Workflow.currentTimeMillis();
      if (request.window() != null) {
        if (windowState == null
            || (windowState.open() && now >= windowState.closesAt())
            || (!windowState.open() && now >= windowState.opensAt())) {
          windowState = bookkeeping.window(request.window(), now);
          continue;
        }
        if (!windowState.open()) {
          setStatus(StageStatus.WAITING_WINDOW);
          Workflow.await(Duration.ofMillis(windowState.opensAt() - now), this::stopping);
          setStatus(StageStatus.RUNNING);
          continue;
        }
      }
      if (ramp != null && now < nextStartAt) {
        Workflow.await(Duration.ofMillis(nextStartAt - now), this::stopping);
        continue;
      }
      if (ramp != null) {
        nextStartAt = now + ramp.interval().toMillis();
      }
      return true;
    }
  }

  /** Whether {@link #awaitStartable} may wait (or ask the window) before the next start. */
  private boolean mayWait(int maxInFlight) {
    if (stopping() || paused || inFlight >= maxInFlight || ramp != null) {
      return true;
    }
    if (request.window() == null) {
      return false;
    }
    long now = Workflow.currentTimeMillis();
    return windowState == null || !windowState.open() || now >= windowState.closesAt();
  }

  /**
   * Counts a device as updating and adds it to the slice being gathered; a full slice is offered at
   * once. Its deadline runs from now, as a device started on its own would.
   */
  private void addToSlice(String deviceId, int attempt) {
    inFlight++;
    long deadline = Workflow.currentTimeMillis() + request.deviceTimeout().toMillis();
    open.put(deviceId, new OpenDevice(deviceId, attempt, deadline, 0, null));
    sliceIds.add(deviceId);
    sliceAttempts.add(attempt);
    if (sliceIds.size() >= request.deliverySlice()) {
      flushSlice();
    }
  }

  /**
   * Offers the gathered slice in one delivery activity. Its devices' reports arrive as {@link
   * #deviceReports} signals (or in its result when it offered none); when the activity fails, each
   * of its devices still open is handled as a single device's failed delivery would be: re-adopted
   * on its own when its worker was lost or failed, else counted as PostgreSQL holds it.
   */
  private void flushSlice() {
    if (sliceIds.isEmpty()) {
      return;
    }
    DeliverySlice slice =
        new DeliverySlice(request.jobId(), sliceIds, sliceAttempts, request.waitsForPresence());
    sliceIds.clear();
    sliceAttempts.clear();
    startSlice(delivery, slice);
  }

  private void startSlice(DeviceUpdateActivities stub, DeliverySlice slice) {
    for (String deviceId : slice.deviceIds()) {
      sliceOf.put(deviceId, slice);
    }
    Async.function(stub::deliverSlice, slice)
        .handle(
            (outcome, failure) -> {
              sliceEnded(slice, outcome, failure);
              return null;
            });
  }

  private void sliceEnded(DeliverySlice slice, SliceOutcome outcome, RuntimeException failure) {
    if (failure == null) {
      outcome.reports().forEach(this::report);
    }
    for (int i = 0; i < slice.deviceIds().size(); i++) {
      String deviceId = slice.deviceIds().get(i);
      int attempt = slice.attempts().get(i);
      if (!sliceOf.remove(deviceId, slice) || !holdsOpen(deviceId, attempt)) {
        // Ended, or carried on by another activity since (it waited, then connected).
        continue;
      }
      if (failure == null) {
        // The slice ended with every device's end recorded, but this one's report did not reach
        // the stage: it counts as PostgreSQL holds it.
        log.warn(
            "slice ended before a device's report job={} device={} attempt={}",
            request.jobId(),
            deviceId,
            attempt);
        settle(
            deviceId, attempt, DeviceUpdateState.TIMED_OUT, "its report did not reach the stage");
      } else if (!readopt(deviceId, attempt, failure)) {
        unreported(deviceId, attempt, failure);
      }
    }
  }

  /** A batched delivery's report: the device's end, or that it waits offline without a slot. */
  private void report(DeviceReport report) {
    if (report.state() == DeviceUpdateState.QUEUED) {
      waits(report.deviceId(), report.attempt());
    } else {
      ended(report.deviceId(), report.attempt(), report.state(), report.errorCode());
    }
  }

  /**
   * Whether the stage holds this attempt of the device open (updating, not waiting out a backoff):
   * only such an attempt's end counts, once.
   */
  private boolean holdsOpen(String deviceId, int attempt) {
    OpenDevice device = open.get(deviceId);
    return device != null && device.attempt() == attempt && !device.backingOff();
  }

  /** Offline when its turn came: it waits for its presence without a slot, and was not started. */
  private void waits(String deviceId, int attempt) {
    if (request.sliced() && !holdsOpen(deviceId, attempt)) {
      return;
    }
    inFlight--;
    open.remove(deviceId);
    started--;
    if (request.onlyWaiting()) {
      assigned--;
    }
  }

  private void startDevice(DeviceUpdateActivities delivery, String deviceId, int attempt) {
    inFlight++;
    launch(delivery, deviceId, attempt, false);
  }

  /**
   * Runs one attempt's delivery activity and handles its outcome: a retry after the policy's
   * backoff, or the device's final count. {@code resume} takes over an attempt a previous run
   * started.
   */
  private void launch(DeviceUpdateActivities stub, String deviceId, int attempt, boolean resume) {
    launch(stub, deviceId, attempt, resume, false);
  }

  /** As {@link #launch}; {@code reoffer} offers a taken-over attempt again (re-adoption). */
  private void launch(
      DeviceUpdateActivities stub, String deviceId, int attempt, boolean resume, boolean reoffer) {
    long deadline = Workflow.currentTimeMillis() + request.deviceTimeout().toMillis();
    OpenDevice previous = open.get(deviceId);
    if (resume && previous != null) {
      deadline = previous.deadline();
    }
    open.put(deviceId, new OpenDevice(deviceId, attempt, deadline, 0, null));
    // The attempt now runs on an activity of its own, whatever slice it was in.
    sliceOf.remove(deviceId);
    DeviceUpdateRequest update =
        new DeviceUpdateRequest(
            request.jobId(),
            deviceId,
            attempt,
            null,
            request.kind() == StageKind.ROLLBACK,
            resume,
            !resume && request.waitsForPresence(),
            reoffer);
    Async.function(stub::updateDevice, update)
        .handle(
            (outcome, failure) -> {
              if (failure == null && outcome.state() == DeviceUpdateState.QUEUED) {
                waits(deviceId, attempt);
                return null;
              }
              if (failure == null) {
                ended(deviceId, attempt, outcome.state(), outcome.errorCode());
                return null;
              }
              if (!readopt(deviceId, attempt, failure)) {
                unreported(deviceId, attempt, failure);
              }
              return null;
            });
  }

  /**
   * A delivery that ended on the worker's side, not the device's: its worker was lost (no heartbeat
   * within the request's {@link StageRequest#deliveryHeartbeat}) or failed before the device heard
   * of it (an S3 or database error). The same attempt runs again as a take-over, on whichever
   * worker takes it: a device that is transferring resumes from its acknowledged offset, a device
   * that finished reports its end again. Nothing counts against the device and the rollout's retry
   * policy spends nothing. Only for requests with a heartbeat, while the stage runs, before the
   * device's deadline; a worker error waits a growing backoff first. Returns whether it took the
   * attempt.
   */
  private boolean readopt(String deviceId, int attempt, RuntimeException failure) {
    if (request.deliveryHeartbeat() == null || stopping()) {
      return false;
    }
    boolean lostWorker = isHeartbeatTimeout(failure);
    if (!lostWorker && !isWorkerError(failure)) {
      return false;
    }
    OpenDevice device = open.get(deviceId);
    if (device == null || device.attempt() != attempt || device.backingOff()) {
      return false;
    }
    int tries = readoptions.merge(deviceId, 1, Integer::sum);
    Duration wait = lostWorker ? Duration.ZERO : workerErrorBackoff(tries);
    if (Workflow.currentTimeMillis() + wait.toMillis() + 1_000 >= device.deadline()) {
      return false;
    }
    log.info(
        "delivery re-adopted job={} device={} attempt={} cause={} wait={}",
        request.jobId(),
        deviceId,
        attempt,
        lostWorker ? "worker lost" : rootMessage(failure),
        wait);
    Async.procedure(
        () -> {
          if (!wait.isZero()) {
            Workflow.await(wait, this::stopping);
          }
          if (!holdsOpen(deviceId, attempt)) {
            // The device's end reached the stage (a report signal) after the re-adoption was
            // decided and before it ran: it is counted, and offering it again would open and count
            // it twice (inFlight -1, a drain that never ends). Runs without this race issue the
            // same commands as before; a run that had it was stuck for good either way.
            return;
          }
          if (stopping()) {
            unreported(deviceId, attempt, failure);
            return;
          }
          Duration left =
              Duration.ofMillis(Math.max(1_000, device.deadline() - Workflow.currentTimeMillis()));
          DeviceUpdateActivities stub =
              Workflow.newActivityStub(
                  DeviceUpdateActivities.class,
                  ActivityOptions.newBuilder(deliveryOptions).setStartToCloseTimeout(left).build());
          launch(stub, deviceId, attempt, true, true);
        });
    return true;
  }

  /**
   * The wait before a delivery that failed on the worker's side runs again: 1 s doubling to 30 s.
   */
  static Duration workerErrorBackoff(int tries) {
    Duration wait = Duration.ofSeconds(1L << Math.min(5, Math.max(0, tries - 1)));
    return wait.compareTo(MAX_READOPT_WAIT) > 0 ? MAX_READOPT_WAIT : wait;
  }

  /**
   * An attempt whose delivery failed or timed out on the server's side: since {@link
   * #SETTLE_UNREPORTED} version 1 it counts as PostgreSQL holds it once the end is written (the
   * device's own report, when that came first); runs recorded before count the server's verdict.
   */
  private void unreported(String deviceId, int attempt, RuntimeException failure) {
    DeviceUpdateState state =
        isTimeout(failure) ? DeviceUpdateState.TIMED_OUT : DeviceUpdateState.FAILED;
    String detail = rootMessage(failure);
    if (Workflow.getVersion(SETTLE_UNREPORTED, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      writes.add(recordUnreported(deviceId, attempt, state, detail));
      ended(deviceId, attempt, state, null);
      return;
    }
    settle(deviceId, attempt, state, detail);
  }

  /**
   * Counts an attempt as PostgreSQL holds it once {@code state} is written where the attempt has
   * not ended (the device's own end, when that came first).
   */
  private void settle(String deviceId, int attempt, DeviceUpdateState state, String detail) {
    Promise<DeviceUpdateOutcome> settled =
        Async.function(
            bookkeeping::settleUnreported,
            request.jobId(),
            deviceId,
            attempt,
            state,
            detail,
            request.kind() == StageKind.ROLLBACK);
    writes.add(
        settled.handle(
            (stored, unsettled) -> {
              // A write that failed for good leaves the server's own verdict.
              DeviceUpdateOutcome counted =
                  unsettled == null ? stored : new DeviceUpdateOutcome(deviceId, state, null, 0);
              ended(deviceId, attempt, counted.state(), counted.errorCode());
              return null;
            }));
  }

  /** An attempt ended: its retry after the policy's backoff, or the device's final count. */
  private void ended(String deviceId, int attempt, DeviceUpdateState state, String code) {
    if (request.sliced() && !holdsOpen(deviceId, attempt)) {
      // Counted already: the same end reached the stage by another way (a report and a take-over).
      return;
    }
    Optional<Duration> backoff =
        stopping()
            ? Optional.empty()
            : RetryDecision.next(request.retry(), attempt, state, code, random.nextDouble());
    if (backoff.isPresent()) {
      retryAfter(backoff.get(), delivery, deviceId, attempt, state);
    } else {
      inFlight--;
      open.remove(deviceId);
      count(state);
    }
  }

  /**
   * Takes over the devices the previous run handed over: an attempt that runs gets a delivery
   * activity of its own for what is left of its device timeout (at least a second), which the
   * device's final report completes (in a sliced stage, a slice of them shares one, and their
   * reports come as signals); a device waiting out a backoff starts its next attempt when the
   * backoff ends.
   */
  private void takeOver(List<OpenDevice> carried) {
    long now = Workflow.currentTimeMillis();
    // A sliced stage takes over the attempts that run in slices of their own, one per deadline.
    Map<Long, List<OpenDevice>> byDeadline = new LinkedHashMap<>();
    for (OpenDevice device : carried) {
      inFlight++;
      open.put(device.deviceId(), device);
      if (device.backingOff()) {
        afterBackoff(
            Duration.ofMillis(Math.max(0, device.retryAt() - now)),
            device.deviceId(),
            device.attempt(),
            device.failedAs());
      } else if (request.sliced()) {
        byDeadline.computeIfAbsent(device.deadline(), d -> new ArrayList<>()).add(device);
      } else {
        Duration left = Duration.ofMillis(Math.max(1_000, device.deadline() - now));
        DeviceUpdateActivities stub =
            Workflow.newActivityStub(
                DeviceUpdateActivities.class,
                ActivityOptions.newBuilder(deliveryOptions).setStartToCloseTimeout(left).build());
        launch(stub, device.deviceId(), device.attempt(), true);
      }
    }
    byDeadline.forEach(this::resumeSlices);
  }

  /**
   * Takes over carried attempts that share a deadline in slices ({@link DeliverySlice#resume}),
   * each activity for what is left of their device timeout (at least a second).
   */
  private void resumeSlices(long deadline, List<OpenDevice> devices) {
    Duration left = Duration.ofMillis(Math.max(1_000, deadline - Workflow.currentTimeMillis()));
    DeviceUpdateActivities stub =
        Workflow.newActivityStub(
            DeviceUpdateActivities.class,
            ActivityOptions.newBuilder(deliveryOptions).setStartToCloseTimeout(left).build());
    for (int from = 0; from < devices.size(); from += request.deliverySlice()) {
      List<OpenDevice> chunk =
          devices.subList(from, Math.min(devices.size(), from + request.deliverySlice()));
      DeliverySlice slice =
          new DeliverySlice(
              request.jobId(),
              chunk.stream().map(OpenDevice::deviceId).toList(),
              chunk.stream().map(OpenDevice::attempt).toList(),
              request.waitsForPresence(),
              true);
      startSlice(stub, slice);
    }
  }

  /**
   * Starts as many of the rollout's waiting devices that are online now as there are free slots,
   * counted in this stage (its rate, window and pause apply). Returns how many started.
   */
  private int serveWaiting() {
    int free = request.plan().maxInFlight() - inFlight;
    if (free <= 0) {
      return 0;
    }
    StagePage ready = bookkeeping.listWaiting(request.jobId(), free);
    int served = 0;
    for (int i = 0; i < ready.deviceIds().size(); i++) {
      String deviceId = ready.deviceIds().get(i);
      if (open.containsKey(deviceId) || !servedFromWaiting.add(deviceId)) {
        continue;
      }
      if (!awaitStartable()) {
        break;
      }
      started++;
      if (request.onlyWaiting()) {
        assigned++;
      }
      startDevice(delivery, deviceId, ready.attemptOf(i));
      served++;
    }
    return served;
  }

  /**
   * The last stage of a rollout with an expiry: offers each waiting device when it connects (told
   * by {@link #devicesOnline}, or found each {@link #WAITING_POLL}) until the rollout expires or no
   * device waits any more; then those still offline end TIMED_OUT (OFFLINE). Continues as new when
   * its history grows long, carrying the devices it is updating.
   */
  private void serveWaitingUntilExpiry() {
    while (!stopping()) {
      long now = Workflow.currentTimeMillis();
      if (now >= request.expiresAt()) {
        break;
      }
      someoneOnline = false;
      int served = serveWaiting();
      if (Workflow.getInfo().getHistoryLength() > WAITING_HISTORY_LIMIT) {
        publish();
        awaitWrites();
        Workflow.continueAsNew(request.withCarry(carry(cursor)));
      }
      if (served == 0) {
        if (inFlight == 0 && bookkeeping.waitingDevices(request.jobId()) == 0) {
          break;
        }
        long wait = Math.min(WAITING_POLL.toMillis(), request.expiresAt() - now);
        // A device connecting, or one of those being updated finishing (the last may have been).
        int updating = inFlight;
        Workflow.await(
            Duration.ofMillis(wait), () -> someoneOnline || stopping() || inFlight < updating);
      }
    }
    if (!stopping()
        && Workflow.currentTimeMillis() >= request.expiresAt()
        && Workflow.getVersion(SERVE_BEFORE_EXPIRY, Workflow.DEFAULT_VERSION, 1) >= 1) {
      serveOnlineOnce();
    }
    drain();
    if (!stopping() && Workflow.currentTimeMillis() >= request.expiresAt()) {
      int expired = bookkeeping.expireWaiting(request.jobId());
      assigned += expired;
      started += expired;
      timedOut += expired;
      if (expired > 0) {
        judgeWhileRunning();
      }
    }
  }

  /**
   * At the expiry: offers every waiting device that is online now (it may have connected while no
   * one was looking, or the stage may start after the expiry), as many at a time as there are free
   * slots, each once; those that turn out offline again wait on and end with the rest.
   */
  private void serveOnlineOnce() {
    while (!stopping()) {
      int updating = inFlight;
      if (serveWaiting() == 0) {
        if (updating == 0) {
          return;
        }
        // The slots are full, or the list named only devices already served: wait for a slot.
        Workflow.await(() -> stopping() || inFlight < updating);
      }
    }
  }

  /**
   * Whether the devices that answered are evidence enough to go on: at most a tenth of {@code
   * maxInFlight} (at least one) is still open, the gate's minimum sample answered, and neither the
   * failure rate nor the success threshold is breached among them.
   */
  private boolean evidence() {
    GatePlan gate = request.plan().gate();
    StageCounters counters = counters();
    return inFlight <= Math.max(1, request.plan().maxInFlight() / 10)
        && counters.finished() >= gate.minimumSample()
        && FailureRateGate.evaluate(gate, counters) != GateVerdict.BREACHED
        && SuccessThresholdGate.evaluate(gate, counters) != GateVerdict.BREACHED;
  }

  /**
   * Continues as new once most of the started devices answered: it waits until at most a tenth of
   * {@code maxInFlight} (at least one) are open, or {@link #HANDOVER_GRACE} passed, then carries
   * the open devices over. Returns only when the stage stops meanwhile.
   */
  private void handOver(long lastPosition) {
    int carryLimit = Math.max(1, request.plan().maxInFlight() / 10);
    Workflow.await(HANDOVER_GRACE, () -> inFlight <= carryLimit || stopping() || retryRequested);
    if (stopping() || retryRequested) {
      return;
    }
    publish();
    awaitWrites();
    Workflow.continueAsNew(request.withCarry(carry(lastPosition)));
  }

  /**
   * Starts a device's next attempt after its backoff. Since {@link #BACKOFF_ENDS_ON_STOP} version 1
   * the backoff ends early when the stage stops, so that a cancel or an abort does not wait for it;
   * runs recorded before that wait for the whole timer, as they did.
   */
  private void retryAfter(
      Duration backoff,
      DeviceUpdateActivities stub,
      String deviceId,
      int attempt,
      DeviceUpdateState state) {
    if (Workflow.getVersion(BACKOFF_ENDS_ON_STOP, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      open.put(deviceId, backingOff(deviceId, attempt, backoff, state));
      Workflow.newTimer(backoff)
          .thenApply(
              fired -> {
                nextAttempt(deviceId, attempt, state);
                return null;
              });
    } else {
      afterBackoff(backoff, deviceId, attempt, state);
    }
  }

  /** Waits out a backoff (ended early when the stage stops), then starts the next attempt. */
  private void afterBackoff(
      Duration backoff, String deviceId, int attempt, DeviceUpdateState state) {
    open.put(deviceId, backingOff(deviceId, attempt, backoff, state));
    Async.procedure(
        () -> {
          Workflow.await(backoff, this::stopping);
          nextAttempt(deviceId, attempt, state);
        });
  }

  private static OpenDevice backingOff(
      String deviceId, int attempt, Duration backoff, DeviceUpdateState state) {
    return new OpenDevice(
        deviceId, attempt, 0, Workflow.currentTimeMillis() + backoff.toMillis(), state);
  }

  private void nextAttempt(String deviceId, int attempt, DeviceUpdateState state) {
    inFlight--;
    if (stopping()) {
      open.remove(deviceId);
      count(state);
    } else {
      startDevice(delivery, deviceId, attempt + 1);
    }
  }

  private Promise<Void> recordUnreported(
      String deviceId, int attempt, DeviceUpdateState state, String detail) {
    return request.kind() == StageKind.ROLLBACK
        ? Async.procedure(
            bookkeeping::recordRollbackUnreported,
            request.jobId(),
            deviceId,
            attempt,
            state,
            detail)
        : Async.procedure(
            bookkeeping::recordUnreported, request.jobId(), deviceId, attempt, state, detail);
  }

  private void count(DeviceUpdateState state) {
    switch (state) {
      case SUCCEEDED -> {
        succeeded++;
        if (ramp != null) {
          ramp = ramp.afterSuccess(request.plan().rate());
        }
      }
      case SKIPPED -> skipped++;
      case TIMED_OUT -> timedOut++;
      case REJECTED -> rejected++;
      case ROLLED_BACK -> rolledBack++;
      default -> failed++;
    }
    if (!state.isSuccess()) {
      judgeWhileRunning();
    }
  }

  /** The failure-rate gate, after every failure while devices are still starting. */
  private void judgeWhileRunning() {
    GatePlan gate = request.plan().gate();
    StageCounters counters = counters();
    int failures = counters.failures(gate.countedFailures());
    if (failures <= breachesHandled
        || stopping()
        || FailureRateGate.evaluate(gate, counters) != GateVerdict.BREACHED) {
      return;
    }
    breachesHandled = failures;
    log.info(
        "gate breached job={} stage={} action={} {}",
        request.jobId(),
        request.index(),
        gate.onBreach(),
        describeBreach(counters));
    if (gate.onBreach() == BreachAction.PAUSE) {
      paused = true;
      setStatus(StageStatus.PAUSED);
    } else {
      breach = gate.onBreach();
      breachReason = describeBreach(counters);
    }
    // Published once the stage holds (paused, or stopping), so that no device starts after it.
    announceBreach("FAILURE_RATE", describeBreach(counters));
  }

  /**
   * Publishes the breach of {@code gate} (with the plan's action) as the event {@code
   * firmament/rollout/gate}. Stages recorded before it was published replay without it.
   */
  private void announceBreach(String gate, String detail) {
    if (Workflow.getVersion(GATE_EVENT, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION) {
      GateBreach event =
          new GateBreach(
              request.jobId(),
              request.index(),
              request.plan().name(),
              request.kind(),
              gate,
              request.plan().gate().onBreach(),
              detail);
      if (Workflow.getVersion(GATE_EVENT_AWAITED, Workflow.DEFAULT_VERSION, 1)
          == Workflow.DEFAULT_VERSION) {
        bookkeeping.recordGateBreach(event);
      } else {
        writes.add(Async.procedure(bookkeeping::recordGateBreach, event));
      }
    }
  }

  private String describeBreach(StageCounters counters) {
    GatePlan gate = request.plan().gate();
    return "failures "
        + counters.failures(gate.countedFailures())
        + " of "
        + counters.finished()
        + " finished (max rate "
        + gate.maxFailureRate()
        + ", min success "
        + gate.minSuccessRate()
        + ")";
  }

  private void requeueFailed() {
    retryRequested = false;
    StageCounters stored = bookkeeping.requeueFailed(request.jobId(), request.index());
    recountEarlierStages();
    // The stored counts are the truth after a requeue: the requeued devices no longer count as
    // failed, and they will be counted again when their new attempt ends.
    assigned = stored.assigned();
    succeeded = stored.succeeded();
    skipped = stored.skipped();
    failed = stored.failed();
    timedOut = stored.timedOut();
    rejected = stored.rejected();
    rolledBack = stored.rolledBack();
    breachesHandled = Math.min(breachesHandled, counters().failures(GatePlan.FAILURE_TYPES));
    paused = false;
  }

  /**
   * Since {@link #RETRY_TAKES_EARLIER_FAILURES} version 1 a retry also moves the failed devices of
   * earlier update stages into this one: their counts change, and the rollout is told so that its
   * totals count each device once.
   */
  private void recountEarlierStages() {
    if (request.kind() != StageKind.UPDATE
        || request.index() == 0
        || Workflow.getVersion(RETRY_TAKES_EARLIER_FAILURES, Workflow.DEFAULT_VERSION, 1)
            == Workflow.DEFAULT_VERSION) {
      return;
    }
    Optional<String> parent = Workflow.getInfo().getParentWorkflowId();
    for (int earlier = 0; earlier < request.index(); earlier++) {
      StageCounters counters = bookkeeping.storedCounters(request.jobId(), earlier);
      if (parent.isPresent()) {
        RolloutWorkflow rollout =
            Workflow.newExternalWorkflowStub(RolloutWorkflow.class, parent.get());
        writes.add(Async.procedure(rollout::stageRecount, earlier, counters));
      }
    }
  }

  private void drain() {
    Workflow.await(() -> inFlight == 0);
    awaitWrites();
  }

  /** Waits for every write so far, and for those their outcomes add meanwhile. */
  private void awaitWrites() {
    while (!writes.isEmpty()) {
      List<Promise<Void>> pending = List.copyOf(writes);
      writes.clear();
      Promise.allOf(pending).get();
    }
  }

  private void continueAsNew(long cursor) {
    publish();
    drain();
    Workflow.continueAsNew(request.withCarry(carry(cursor)));
  }

  private StageResult finish() {
    if (handingOver && !stopping()) {
      // Advanced on evidence: the stragglers still open go to the next stage.
      publish();
      awaitWrites();
      log.info(
          "stage advanced job={} stage={} handedOver={} counters={}",
          request.jobId(),
          request.index(),
          open.size(),
          counters());
      return new StageResult(
          StageStatus.SUCCEEDED, counters(), null, null, List.copyOf(open.values()));
    }
    drain();
    if (breach != null) {
      status = StageStatus.FAILED;
    } else if (abortReason != null) {
      status = StageStatus.ABORTED;
    } else if (canceled) {
      status = StageStatus.CANCELED;
    }
    String reason =
        switch (status) {
          case FAILED -> breachReason;
          case ABORTED -> abortReason;
          case CANCELED -> "canceled by operator";
          default -> null;
        };
    publish();
    drain();
    log.info(
        "stage finished job={} stage={} status={} counters={}",
        request.jobId(),
        request.index(),
        status,
        counters());
    return new StageResult(status, counters(), breach, reason);
  }

  private void setStatus(StageStatus next) {
    if (status != next) {
      status = next;
      publish();
    }
  }

  /** Persists the stage's status and counters and tells the parent, without waiting for either. */
  private void publish() {
    StageProgress progress = progress();
    writes.add(
        Async.procedure(
            bookkeeping::recordStage,
            request.jobId(),
            request.index(),
            progress.status(),
            progress.counters()));
    Optional<String> parent = Workflow.getInfo().getParentWorkflowId();
    if (parent.isPresent()) {
      RolloutWorkflow rollout =
          Workflow.newExternalWorkflowStub(RolloutWorkflow.class, parent.get());
      writes.add(Async.procedure(rollout::stageReport, progress));
    }
  }

  private boolean stopping() {
    return canceled || abortReason != null || breach != null;
  }

  private void restore(StageCarry carry) {
    StageCounters c = carry.counters();
    assigned = c.assigned();
    started = c.started();
    succeeded = c.succeeded();
    skipped = c.skipped();
    failed = c.failed();
    timedOut = c.timedOut();
    rejected = c.rejected();
    rolledBack = c.rolledBack();
    unhealthy = c.unhealthy();
    paused = carry.paused();
    nextStartAt = carry.nextStartAt();
    breachesHandled = carry.breachesHandled();
    // Controls that reached the previous run after it decided to continue as new.
    StageCarry.Controls controls = carry.controls();
    retryRequested = controls.retryRequested();
    promoted = controls.promoted();
    canceled = controls.canceled();
    abortReason = controls.abortReason();
    RatePlan rate = request.plan().rate();
    ramp = rate == null ? null : new RateRamp(carry.ratePerMinute(), carry.successesSinceRaise());
  }

  private StageCarry carry(long cursor) {
    return new StageCarry(
        cursor,
        counters(),
        paused,
        breachesHandled,
        ramp == null ? 0 : ramp.ratePerMinute(),
        ramp == null ? 0 : ramp.successesSinceRaise(),
        nextStartAt,
        List.copyOf(open.values()),
        new StageCarry.Controls(retryRequested, promoted, canceled, abortReason));
  }

  private StageCounters counters() {
    return new StageCounters(
        assigned,
        started,
        inFlight,
        succeeded,
        skipped,
        failed,
        timedOut,
        rejected,
        rolledBack,
        unhealthy);
  }

  /** Whether a delivery's worker stopped heartbeating it: the worker was lost. */
  static boolean isHeartbeatTimeout(RuntimeException failure) {
    return failure instanceof ActivityFailure activityFailure
        && activityFailure.getCause() instanceof TimeoutFailure timeout
        && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
  }

  /**
   * Whether a delivery failed on the worker's side (an error the activity did not mark as final:
   * storage, database, the gateway), not because of the device or the rollout's data.
   */
  static boolean isWorkerError(RuntimeException failure) {
    return failure instanceof ActivityFailure activityFailure
        && activityFailure.getCause() instanceof ApplicationFailure application
        && !application.isNonRetryable()
        && !FINAL_FAILURES.contains(application.getType());
  }

  private static boolean isTimeout(RuntimeException failure) {
    return failure instanceof ActivityFailure activityFailure
        && activityFailure.getCause() instanceof TimeoutFailure;
  }

  private static String rootMessage(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }

  @Override
  public StageProgress progress() {
    return request == null
        ? null
        : new StageProgress(
            request.index(), request.plan().name(), request.kind(), status, counters());
  }

  @Override
  public void pause() {
    paused = true;
    if (status == StageStatus.RUNNING || status == StageStatus.WAITING_WINDOW) {
      setStatus(StageStatus.PAUSED);
    }
  }

  @Override
  public void resume() {
    paused = false;
    if (status == StageStatus.PAUSED) {
      setStatus(StageStatus.RUNNING);
    }
  }

  @Override
  public void promote() {
    promoted = true;
  }

  @Override
  public void cancel() {
    canceled = true;
  }

  @Override
  public void abort(String reason) {
    abortReason = reason == null ? "aborted" : reason;
  }

  @Override
  public void retryFailed() {
    retryRequested = true;
  }

  @Override
  public void devicesOnline() {
    someoneOnline = true;
  }

  @Override
  public void deviceReports(List<DeviceReport> reports) {
    if (!takenOver) {
      earlyReports.addAll(reports);
      return;
    }
    reports.forEach(this::report);
  }
}
