package dev.firmament.orchestrator.rollout.engine;

import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.OpenDevice;
import dev.firmament.orchestrator.rollout.RolloutActivities;
import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.RolloutProgress;
import dev.firmament.orchestrator.rollout.RolloutRequest;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.RolloutWorkflow;
import dev.firmament.orchestrator.rollout.StageCarry;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.StageKind;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageProgress;
import dev.firmament.orchestrator.rollout.StageRequest;
import dev.firmament.orchestrator.rollout.StageResult;
import dev.firmament.orchestrator.rollout.StageSelection;
import dev.firmament.orchestrator.rollout.StageStatus;
import dev.firmament.orchestrator.rollout.StageWorkflow;
import dev.firmament.orchestrator.rollout.TaskQueues;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The rollout's state machine (see docs/rollouts.md): scheduled start, approval, then one {@link
 * StageWorkflow} child per stage, a gate breach's action, and operator controls, which it forwards
 * to the running stage. It holds only ids and counters; devices are paged by the stages.
 */
public class RolloutWorkflowImpl implements RolloutWorkflow {
  private static final Logger log = Workflow.getLogger(RolloutWorkflowImpl.class);

  private final RolloutActivities bookkeeping =
      Workflow.newActivityStub(RolloutActivities.class, BookkeepingOptions.get());

  private RolloutRequest request;
  private RolloutStatus status = RolloutStatus.SCHEDULED;
  private int total;
  private int currentStage;
  private final List<StageProgress> stages = new ArrayList<>();

  private int approvals;
  private boolean paused;
  private boolean canceled;
  private boolean rollbackOnCancel;
  private String abortReason;
  private String runningStageId;
  private boolean replanned;
  private boolean startTimeCame;

  /** Workflow time (epoch millis) until which offline devices wait; 0 without an expiry. */
  private long expiresAt;

  /** The index after the highest stage this run started. */
  private int nextIndex;

  /** Stragglers the last update stage handed over, for the next one to take over. */
  private List<OpenDevice> handedOver = List.of();

  private final Deque<Consumer<StageWorkflow>> controls = new ArrayDeque<>();

  @Override
  public RolloutProgress run(RolloutRequest rolloutRequest) {
    request = rolloutRequest;
    try {
      return runPlan();
    } catch (ActivityFailure | ChildWorkflowFailure e) {
      String refused = refusal(e);
      if (refused == null) {
        throw e;
      }
      // The database refuses the rollout's own data: the same write would fail forever, so the
      // rollout ends now with the reason, and its open results with it.
      log.warn("rollout stopped job={} reason={}", request.jobId(), refused);
      bookkeeping.recordStop(request.jobId(), refused);
      return end(RolloutStatus.FAILED);
    }
  }

  private RolloutProgress runPlan() {
    if (request.rollbackOnly()) {
      // The rollout ended; the operator takes back what it changed, as its rollback stage.
      return rollBack(RolloutStatus.ROLLED_BACK);
    }
    String jobId = request.jobId();
    awaitStart();
    startTimeCame = true;
    // A new plan is taken until the start time came; from here on the plan is fixed.
    RolloutPlan plan = request.plan();
    if (plan.requireApproval() && !stopRequested()) {
      awaitApproval();
    }
    if (plan.waitForDevices()) {
      // Another rollout holds some of the devices: start when it has finished.
      while (!stopRequested() && !bookkeeping.devicesFree(jobId)) {
        Workflow.await(DEVICES_POLL, this::stopRequested);
      }
    }
    if (stopRequested()) {
      return end(stoppedStatus());
    }

    Optional<Integer> started = unlessStopped(() -> bookkeeping.startJob(jobId));
    if (started.isEmpty()) {
      return end(stoppedStatus());
    }
    total = started.get();
    if (plan.expiry() != null) {
      expiresAt = Workflow.currentTimeMillis() + plan.expiry().toMillis();
    }
    setStatus(RolloutStatus.RUNNING);
    log.info("rollout started job={} targets={} stages={}", jobId, total, plan.stages().size());

    boolean changedDevices = false;
    for (int index = 0; index < plan.stages().size(); index++) {
      StagePlan stage = plan.stages().get(index);
      if (stage.advance() == AdvanceMode.APPROVAL && !stopRequested()) {
        awaitApproval();
      }
      if (paused && !stopRequested()) {
        setStatus(RolloutStatus.PAUSED);
        Workflow.await(() -> !paused || stopRequested());
        setStatus(RolloutStatus.RUNNING);
      }
      if (stopRequested()) {
        break;
      }
      currentStage = index;
      boolean last = index == plan.stages().size() - 1;
      int stageIndex = index;
      Optional<Integer> assignedNow =
          unlessStopped(
              () ->
                  bookkeeping.assignStage(
                      jobId, stageIndex, stage.name(), StageKind.UPDATE, stage.selection()));
      if (assignedNow.isEmpty()) {
        break;
      }
      int assigned = assignedNow.get();
      StageResult result =
          runStage(
              index,
              StageKind.UPDATE,
              stage,
              assigned,
              last && stage.selection().takesAllRemaining());
      changedDevices |= result.counters().succeeded() > 0 || result.counters().inFlight() > 0;
      switch (result.status()) {
        case SUCCEEDED -> {}
        case FAILED -> {
          boolean rollback = result.breach() == BreachAction.ROLLBACK;
          recordStopReason(
              stageName(index, stage)
                  + ": gate breached, "
                  + result.reason()
                  + (rollback ? "; rolling back" : "; aborted"));
          if (rollback) {
            return rollBack(RolloutStatus.ROLLED_BACK);
          }
          return end(RolloutStatus.ABORTED);
        }
        case ABORTED -> {
          recordStopReason(stageName(index, stage) + " aborted: " + result.reason());
          return end(RolloutStatus.ABORTED);
        }
        default -> {
          // CANCELED: handled below with the other stop requests.
        }
      }
      if (stopRequested()) {
        break;
      }
    }
    if (expiresAt > 0 && !stopRequested()) {
      RolloutProgress ended = serveWaitingDevices(plan);
      if (ended != null) {
        return ended;
      }
    }

    if (stopRequested()) {
      recordStopReason(
          abortReason != null
              ? "aborted: " + abortReason
              : rollbackOnCancel ? "canceled by operator, with rollback" : "canceled by operator");
      if (canceled && rollbackOnCancel && changedDevices) {
        return rollBack(RolloutStatus.ROLLED_BACK);
      }
      return end(stoppedStatus());
    }
    StageCounters totals = updateTotals();
    return end(totals.allFailures() == 0 ? RolloutStatus.SUCCEEDED : RolloutStatus.FAILED);
  }

  /** The name of the stage that serves the devices still waiting for their presence. */
  static final String WAITING_STAGE = "offline devices";

  /**
   * After the plan's stages, a stage of its own offers the devices that were offline when their
   * turn came as they connect, until the rollout's expiry, judged by the last stage's gate. Returns
   * the rollout's end when that gate stops it, else null.
   */
  private RolloutProgress serveWaitingDevices(RolloutPlan plan) {
    String jobId = request.jobId();
    Optional<Integer> waiting = unlessStopped(() -> bookkeeping.waitingDevices(jobId));
    if (waiting.isEmpty() || waiting.get() == 0 || stopRequested()) {
      return null;
    }
    int index = Math.max(plan.stages().size(), nextIndex);
    StagePlan last = plan.stages().getLast();
    int maxInFlight = plan.stages().stream().mapToInt(StagePlan::maxInFlight).max().orElse(1);
    StagePlan stage =
        new StagePlan(
            WAITING_STAGE,
            StageSelection.percent(100),
            maxInFlight,
            null,
            Duration.ZERO,
            last.gate(),
            AdvanceMode.AUTOMATIC);
    currentStage = index;
    bookkeeping.openWaitingStage(jobId, index, WAITING_STAGE);
    StageResult result = runStage(index, StageKind.UPDATE, stage, 0, false, true);
    if (result.status() == StageStatus.FAILED) {
      boolean rollback = result.breach() == BreachAction.ROLLBACK;
      recordStopReason(
          stageName(index, stage)
              + ": gate breached, "
              + result.reason()
              + (rollback ? "; rolling back" : "; aborted"));
      return rollback ? rollBack(RolloutStatus.ROLLED_BACK) : end(RolloutStatus.ABORTED);
    }
    if (result.status() == StageStatus.ABORTED) {
      recordStopReason(stageName(index, stage) + " aborted: " + result.reason());
      return end(RolloutStatus.ABORTED);
    }
    return null;
  }

  /**
   * Waits for the plan's start time; a new plan ({@link #replan}) re-arms the wait with its own.
   * Without a new plan this is the one timer it always was, so recorded histories replay.
   */
  private void awaitStart() {
    while (request.plan().startAt() != null) {
      long wait = request.plan().startAt().toEpochMilli() - Workflow.currentTimeMillis();
      if (wait <= 0) {
        return;
      }
      replanned = false;
      Workflow.await(Duration.ofMillis(wait), () -> stopRequested() || replanned);
      if (!replanned) {
        return;
      }
    }
  }

  @Override
  public void validateReplan(RolloutPlan plan) {
    if (plan == null) {
      throw new IllegalArgumentException("a plan is required");
    }
    if (status != RolloutStatus.SCHEDULED || startTimeCame || stopRequested()) {
      throw new IllegalStateException("the rollout is " + status + ": its plan is fixed");
    }
  }

  @Override
  public RolloutPlan replan(RolloutPlan plan) {
    request = request.withPlan(plan);
    replanned = true;
    return plan;
  }

  /**
   * Runs a bookkeeping activity that a cancel or an abort interrupts: while the database refuses a
   * write, the activity retries, and the operator's cancel must still end the rollout. Empty when a
   * stop came first (the activity is then cancelled). The activity is scheduled exactly as a direct
   * call would schedule it, so recorded histories replay unchanged.
   */
  private <R> Optional<R> unlessStopped(Functions.Func<R> call) {
    List<Promise<R>> result = new ArrayList<>(1);
    CancellationScope scope = Workflow.newCancellationScope(() -> result.add(Async.function(call)));
    scope.run();
    Promise<R> promise = result.getFirst();
    Workflow.await(() -> promise.isCompleted() || stopRequested());
    if (!promise.isCompleted()) {
      scope.cancel("the rollout was stopped");
      return Optional.empty();
    }
    return Optional.of(promise.get());
  }

  /**
   * Records why the rollout stops before its plan ran out (the job's status detail; the results it
   * never offered end CANCELED with the reason). Rollouts that started before this was recorded
   * replay without it.
   */
  private void recordStopReason(String reason) {
    if (Workflow.getVersion(STOP_REASON, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION) {
      bookkeeping.recordStop(request.jobId(), reason);
    }
  }

  /** How often a rollout that waits for its devices looks again. */
  static final Duration DEVICES_POLL = Duration.ofMinutes(1);

  /** The change that records a rollout's stop reason ({@link #recordStopReason}). */
  static final String STOP_REASON = "stop-reason";

  private static String stageName(int index, StagePlan stage) {
    return "stage " + index + " (" + stage.name() + ")";
  }

  /** The database's refusal in a failure's causes ({@link RolloutFailures#DATA_REFUSED}). */
  private static String refusal(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ApplicationFailure application
          && RolloutFailures.DATA_REFUSED.equals(application.getType())) {
        return application.getOriginalMessage();
      }
    }
    return null;
  }

  /**
   * Delivers every device this rollout changed its previous version, in the plan's rollback stages
   * ({@link RolloutPlan#rollbackPlan}): each takes its share of the devices still to be taken back,
   * with its own rate, gate and approval. A rollback stage whose gate stops it, or a cancel or
   * abort sent during the rollback, stops the rollback there. Rollouts recorded before rollbacks
   * were staged ({@link #STAGED_ROLLBACK}) replay their single rollback stage as they ran it.
   */
  private RolloutProgress rollBack(RolloutStatus finalStatus) {
    setStatus(RolloutStatus.ROLLING_BACK);
    // Controls aimed at the update stages do not apply to the rollback.
    canceled = false;
    abortReason = null;
    paused = false;
    // After a stage that served waiting devices, the rollback's index is the one after it.
    int first =
        request.rollbackOnly()
            ? request.rollbackStageIndex()
            : Math.max(request.rollbackStageIndex(), nextIndex);
    if (Workflow.getVersion(STAGED_ROLLBACK, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      currentStage = first;
      StagePlan plan = request.plan().rollbackPlan().getFirst();
      int assigned =
          bookkeeping.assignStage(
              request.jobId(), first, plan.name(), StageKind.ROLLBACK, plan.selection());
      runStage(first, StageKind.ROLLBACK, plan, assigned, false);
      return end(finalStatus);
    }
    List<StagePlan> plans = request.plan().rollbackPlan();
    for (int k = 0; k < plans.size(); k++) {
      StagePlan stage = plans.get(k);
      int index = first + k;
      if (stage.advance() == AdvanceMode.APPROVAL && !stopRequested()) {
        awaitApproval();
      }
      if (paused && !stopRequested()) {
        setStatus(RolloutStatus.PAUSED);
        Workflow.await(() -> !paused || stopRequested());
        setStatus(RolloutStatus.ROLLING_BACK);
      }
      if (stopRequested()) {
        break;
      }
      currentStage = index;
      Optional<Integer> assigned =
          unlessStopped(
              () ->
                  bookkeeping.assignStage(
                      request.jobId(), index, stage.name(), StageKind.ROLLBACK, stage.selection()));
      if (assigned.isEmpty()) {
        break;
      }
      StageResult result = runStage(index, StageKind.ROLLBACK, stage, assigned.get(), false);
      if (result.status() == StageStatus.FAILED || result.status() == StageStatus.ABORTED) {
        recordStopReason(
            "rollback "
                + stageName(index, stage)
                + (result.status() == StageStatus.FAILED ? ": gate breached, " : " aborted: ")
                + result.reason()
                + "; rollback stopped");
        return end(RolloutStatus.ABORTED);
      }
      if (stopRequested()) {
        break;
      }
    }
    if (stopRequested()) {
      recordStopReason(
          abortReason != null
              ? "rollback aborted: " + abortReason
              : "rollback canceled by operator");
      return end(stoppedStatus());
    }
    return end(finalStatus);
  }

  /** The change that stages a rollback by the plan's rollback stages ({@link #rollBack}). */
  static final String STAGED_ROLLBACK = "staged-rollback";

  private StageResult runStage(
      int index, StageKind kind, StagePlan plan, int assigned, boolean absorbJoiners) {
    return runStage(index, kind, plan, assigned, absorbJoiners, false);
  }

  private StageResult runStage(
      int index,
      StageKind kind,
      StagePlan plan,
      int assigned,
      boolean absorbJoiners,
      boolean onlyWaiting) {
    nextIndex = Math.max(nextIndex, index + 1);
    String childId = TaskQueues.stageWorkflowId(request.jobId(), index);
    StageCounters initial = new StageCounters(assigned, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    stages.add(new StageProgress(index, plan.name(), kind, StageStatus.RUNNING, initial));
    StageWorkflow child =
        Workflow.newChildWorkflowStub(
            StageWorkflow.class, ChildWorkflowOptions.newBuilder().setWorkflowId(childId).build());
    StageRequest stageRequest =
        new StageRequest(
            request.jobId(),
            index,
            kind,
            plan,
            request.plan().retry(),
            kind == StageKind.UPDATE ? request.plan().window() : null,
            request.deviceTimeout(),
            request.pageSize(),
            absorbJoiners,
            StageCarry.initial(plan, initial)
                .withOpen(kind == StageKind.UPDATE ? handedOver : null),
            kind == StageKind.UPDATE ? expiresAt : 0L,
            onlyWaiting,
            kind == StageKind.UPDATE && !onlyWaiting && index < request.plan().stages().size() - 1,
            request.deliveryHeartbeat(),
            request.deliverySlice());
    if (kind == StageKind.UPDATE) {
      handedOver = List.of();
    }
    Promise<StageResult> result = Async.function(child::run, stageRequest);
    Workflow.getWorkflowExecution(child).get();
    runningStageId = childId;
    StageWorkflow running = Workflow.newExternalWorkflowStub(StageWorkflow.class, childId);
    while (!result.isCompleted()) {
      Workflow.await(() -> result.isCompleted() || !controls.isEmpty());
      while (!controls.isEmpty() && !result.isCompleted()) {
        Consumer<StageWorkflow> control = controls.poll();
        try {
          control.accept(running);
        } catch (RuntimeException e) {
          // The stage may have ended between the control and its delivery; its result says how.
          log.info("control not delivered stage={} error={}", childId, e.toString());
        }
      }
    }
    runningStageId = null;
    controls.clear();
    StageResult ended;
    try {
      ended = result.get();
    } catch (ChildWorkflowFailure e) {
      if (refusal(e) != null) {
        throw e;
      }
      ended = new StageResult(StageStatus.ABORTED, initial, null, "stage failed: " + e.getCause());
      abortReason = ended.reason();
    }
    if (kind == StageKind.UPDATE) {
      handedOver = ended.open();
    }
    stages.set(
        stages.size() - 1,
        new StageProgress(index, plan.name(), kind, ended.status(), ended.counters()));
    if (kind == StageKind.UPDATE && ended.status() != StageStatus.SUCCEEDED) {
      log.info(
          "stage ended job={} stage={} status={} reason={}",
          request.jobId(),
          index,
          ended.status(),
          ended.reason());
    }
    return ended;
  }

  private void awaitApproval() {
    RolloutStatus before = status;
    setStatus(RolloutStatus.WAITING_APPROVAL);
    Workflow.await(() -> approvals > 0 || stopRequested());
    if (approvals > 0) {
      approvals--;
    }
    if (!stopRequested() && before != RolloutStatus.SCHEDULED) {
      setStatus(before);
    }
  }

  private RolloutProgress end(RolloutStatus finalStatus) {
    status = finalStatus;
    bookkeeping.finishJob(request.jobId(), finalStatus);
    StageCounters totals = updateTotals();
    log.info(
        "rollout finished job={} status={} succeeded={} skipped={} failed={} timedOut={}",
        request.jobId(),
        finalStatus,
        totals.succeeded(),
        totals.skipped(),
        totals.failed() + totals.rejected() + totals.rolledBack() + totals.unhealthy(),
        totals.timedOut());
    return progress();
  }

  private void setStatus(RolloutStatus next) {
    if (status != next) {
      status = next;
      bookkeeping.recordStatus(request.jobId(), next);
    }
  }

  private boolean stopRequested() {
    return canceled || abortReason != null;
  }

  private RolloutStatus stoppedStatus() {
    return abortReason != null ? RolloutStatus.ABORTED : RolloutStatus.CANCELED;
  }

  private StageCounters updateTotals() {
    StageCounters sum = StageCounters.EMPTY;
    for (StageProgress stage : stages) {
      if (stage.kind() == StageKind.UPDATE) {
        sum = sum.plus(stage.counters());
      }
    }
    return sum;
  }

  @Override
  public RolloutProgress progress() {
    StageCounters t = updateTotals();
    return new RolloutProgress(
        status,
        total,
        t.started(),
        t.inFlight(),
        t.succeeded(),
        t.skipped(),
        t.failed() + t.rejected() + t.rolledBack() + t.unhealthy(),
        t.timedOut(),
        currentStage,
        stages);
  }

  @Override
  public void approve() {
    approvals++;
  }

  @Override
  public void pause() {
    paused = true;
    forward(StageWorkflow::pause);
  }

  @Override
  public void resume() {
    paused = false;
    forward(StageWorkflow::resume);
  }

  @Override
  public void promote() {
    forward(StageWorkflow::promote);
  }

  @Override
  public void cancel(boolean rollback) {
    canceled = true;
    rollbackOnCancel = rollback;
    forward(StageWorkflow::cancel);
  }

  @Override
  public void retryFailed() {
    forward(StageWorkflow::retryFailed);
  }

  @Override
  public void devicesOnline() {
    forward(StageWorkflow::devicesOnline);
  }

  @Override
  public void abort(String reason) {
    abortReason = reason == null ? "aborted" : reason;
    forward(stage -> stage.abort(abortReason));
  }

  @Override
  public void stageReport(StageProgress stage) {
    for (int i = 0; i < stages.size(); i++) {
      if (stages.get(i).index() == stage.index() && !stages.get(i).status().isFinal()) {
        stages.set(i, stage);
      }
    }
    if (status == RolloutStatus.RUNNING && stage.status() == StageStatus.PAUSED) {
      status = RolloutStatus.PAUSED;
      controls.add(unused -> bookkeeping.recordStatus(request.jobId(), RolloutStatus.PAUSED));
    } else if (status == RolloutStatus.PAUSED && stage.status() == StageStatus.RUNNING) {
      status = RolloutStatus.RUNNING;
      controls.add(unused -> bookkeeping.recordStatus(request.jobId(), RolloutStatus.RUNNING));
    }
  }

  @Override
  public void stageRecount(int stageIndex, StageCounters counters) {
    for (int i = 0; i < stages.size(); i++) {
      StageProgress stage = stages.get(i);
      if (stage.index() == stageIndex) {
        StageCounters c = stage.counters();
        // Health was judged at the end of the stage's soak and is not stored per result.
        StageCounters recounted =
            new StageCounters(
                counters.assigned(),
                counters.started(),
                0,
                counters.succeeded(),
                counters.skipped(),
                counters.failed(),
                counters.timedOut(),
                counters.rejected(),
                counters.rolledBack(),
                c.unhealthy());
        stages.set(
            i,
            new StageProgress(
                stage.index(), stage.name(), stage.kind(), stage.status(), recounted));
      }
    }
  }

  /** Controls reach the running stage from the main loop (signal handlers do not block). */
  private void forward(Consumer<StageWorkflow> control) {
    if (runningStageId != null) {
      controls.add(control);
    }
  }
}
