package dev.firmament.orchestrator.rollout;

import dev.firmament.orchestrator.rollout.policy.StageSizing;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityNotExistsException;
import io.temporal.client.WorkflowClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * An in-memory system of record and device fleet for workflow tests: it implements both activity
 * contracts the way the workers do (assignment in production's stable-hash order, positions,
 * forward-only results), and answers each device's update from a script.
 */
class FakeFleet implements RolloutActivities, DeviceUpdateActivities {
  /** A scripted answer for one attempt of one device. */
  record Answer(DeviceUpdateState state, String code) {}

  static final Answer SUCCESS = new Answer(DeviceUpdateState.SUCCEEDED, null);

  /** Leaves the activity open, as a device that never answers does. */
  static final Answer SILENT = new Answer(DeviceUpdateState.QUEUED, null);

  /**
   * The device's final report (SUCCEEDED) reaches the results, but the activity's completion is
   * lost, so the workflow sees its delivery time out: the race a timeout and a late report run.
   */
  static final Answer LOST_REPORT = new Answer(DeviceUpdateState.SUCCEEDED, "LOST");

  /**
   * The worker that offered the update is lost: the device finishes (SUCCEEDED), but its report
   * reaches no worker that knows the update and nobody heartbeats the activity, until a take-over
   * offers the update again and the device reports its end again.
   */
  static final Answer WORKER_LOST = new Answer(DeviceUpdateState.SUCCEEDED, "WORKER_LOST");

  /** The worker fails before the device hears of the update (an S3 or database error). */
  static final Answer WORKER_ERROR = new Answer(DeviceUpdateState.QUEUED, "WORKER_ERROR");

  /**
   * Devices whose next take-overs are lost as well (the worker that took the delivery over dies
   * too), by how many.
   */
  final Map<String, Integer> lostTakeOvers = new ConcurrentHashMap<>();

  /** Attempts ("dev-000#1") whose delivery failed on the worker before the offer. */
  private final Set<String> failedOnWorker = ConcurrentHashMap.newKeySet();

  final List<String> targets = new CopyOnWriteArrayList<>();
  final Map<String, Set<String>> groups = new ConcurrentHashMap<>();
  final Map<String, List<Answer>> script = new ConcurrentHashMap<>();
  final Set<String> unhealthy = ConcurrentHashMap.newKeySet();

  /**
   * Devices whose vitals make them unhealthy for the health gate: once updated when they are
   * targets of this rollout, always when they are not yet updated.
   */
  final Set<String> sick = ConcurrentHashMap.newKeySet();

  /** The health gate's reports, in order, and the details recorded for operators. */
  final List<HealthReport> healthReports = new CopyOnWriteArrayList<>();

  final List<String> details = new CopyOnWriteArrayList<>();
  LongFunction<WindowState> windows = at -> new WindowState(true, 0, Long.MAX_VALUE);

  final Map<String, Integer> stageOf = new ConcurrentHashMap<>();
  final Map<String, Long> positionOf = new ConcurrentHashMap<>();
  final Map<String, DeviceUpdateState> results = new ConcurrentHashMap<>();

  /** The error code each device's last answer carried, as the results table stores it. */
  final Map<String, String> errorCodes = new ConcurrentHashMap<>();

  final Map<Integer, Integer> assignedByStage = new ConcurrentHashMap<>();
  final Map<String, DeviceUpdateState> rollbacks = new ConcurrentHashMap<>();
  final Map<String, Long> rollbackPositions = new ConcurrentHashMap<>();
  final Map<Integer, StageStatus> stageStatuses = new ConcurrentHashMap<>();
  final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  final List<String> deliveries = new CopyOnWriteArrayList<>();
  final List<Long> deliveryTimes = new CopyOnWriteArrayList<>();
  final List<String> unreported = new CopyOnWriteArrayList<>();

  /** Deliveries ("deliver dev-000#1") and unreported ends ("timeout dev-000") in their order. */
  final List<String> events = new CopyOnWriteArrayList<>();

  /** Attempts a later stage run took over ("dev-000#1"). */
  final List<String> resumed = new CopyOnWriteArrayList<>();

  /**
   * Which activity offered each attempt (device, rollback or not, attempt): its first, or a
   * take-over that found it never offered. The first activity's task is dropped when its run closes
   * before a worker polls it (a run may hand a device over as soon as it scheduled it), and
   * production's take-over then offers the attempt itself ({@code NOT_OFFERED}); so does this one.
   */
  private final java.util.concurrent.ConcurrentMap<String, String> offeredBy =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static String attemptKey(DeviceUpdateRequest request) {
    return request.deviceId() + (request.rollback() ? ":rollback" : "") + "#" + request.attempt();
  }

  final AtomicInteger concurrent = new AtomicInteger();
  final AtomicInteger maxConcurrent = new AtomicInteger();
  final AtomicInteger attempts = new AtomicInteger();

  /** Each device's stored attempt, as the results table keeps it. */
  final Map<String, Integer> storedAttempt = new java.util.concurrent.ConcurrentHashMap<>();

  volatile RolloutStatus finalStatus;
  volatile String stopReason;

  /** The gate breaches the stages published, in order. */
  final List<GateBreach> breaches = new CopyOnWriteArrayList<>();

  /** When set, assignStage fails with it (a refusal, or a retryable error that never clears). */
  volatile java.util.function.Supplier<RuntimeException> assignFailure;

  volatile java.util.function.LongSupplier clock = System::currentTimeMillis;
  private long lastPosition;
  volatile int rollbackStage = -1;

  /** Every rollback stage's index, and the rollback stage each device was taken back in. */
  final Set<Integer> rollbackStages = ConcurrentHashMap.newKeySet();

  final Map<String, Integer> rollbackStageOf = new ConcurrentHashMap<>();

  /** Devices that are offline, and those waiting for their presence (offline when offered). */
  final Set<String> offline = ConcurrentHashMap.newKeySet();

  final Set<String> waiting = ConcurrentHashMap.newKeySet();

  /** The stage opened to serve waiting devices, and how many devices expired there. */
  volatile int waitingStage = -1;

  volatile int expired;

  /** Devices whose rollback fails. */
  final Set<String> rollbackFailures = ConcurrentHashMap.newKeySet();

  volatile long delayMillis;

  /** Devices that take this long (real milliseconds) to answer. */
  final Map<String, Long> slowMillis = new ConcurrentHashMap<>();

  FakeFleet(List<String> devices) {
    targets.addAll(devices);
  }

  FakeFleet answer(String deviceId, Answer... answers) {
    script.put(deviceId, new CopyOnWriteArrayList<>(List.of(answers)));
    return this;
  }

  /**
   * The order in which stages take their devices: production's rule, {@code order by
   * md5(device_id), device_id} in {@code StageRecords}, so that the sampling tests assert what
   * production picks.
   */
  static final Comparator<String> SAMPLING_ORDER =
      Comparator.comparing(FakeFleet::md5Hex).thenComparing(Comparator.naturalOrder());

  private static String md5Hex(String deviceId) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("MD5").digest(deviceId.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }

  /** How many more times devicesFree answers that another rollout holds the devices. */
  final java.util.concurrent.atomic.AtomicInteger busyChecks =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public boolean devicesFree(String jobId) {
    return busyChecks.getAndUpdate(n -> Math.max(0, n - 1)) == 0;
  }

  @Override
  public int startJob(String jobId) {
    statuses.add(RolloutStatus.RUNNING);
    return targets.size();
  }

  @Override
  public void recordStatus(String jobId, RolloutStatus status) {
    statuses.add(status);
  }

  @Override
  public synchronized int assignStage(
      String jobId, int stageIndex, String name, StageKind kind, StageSelection selection) {
    if (assignFailure != null) {
      throw assignFailure.get();
    }
    Integer existing = assignedByStage.get(stageIndex);
    if (existing != null) {
      return existing;
    }
    List<String> chosen;
    if (kind == StageKind.ROLLBACK) {
      // The changed devices no earlier rollback stage took; the stage takes its share of them.
      List<String> eligible =
          results.entrySet().stream()
              .filter(e -> e.getValue() == DeviceUpdateState.SUCCEEDED)
              .map(Map.Entry::getKey)
              .filter(id -> !rollbacks.containsKey(id))
              .sorted()
              .toList();
      if (selection.kind() == StageSelection.Kind.GROUP) {
        Set<String> members = groups.getOrDefault(selection.group(), Set.of());
        chosen = eligible.stream().filter(members::contains).toList();
      } else {
        chosen = eligible.subList(0, StageSizing.size(selection, eligible.size()));
      }
      rollbackStage = stageIndex;
      rollbackStages.add(stageIndex);
      long position = 0;
      for (String id : chosen) {
        rollbacks.put(id, DeviceUpdateState.QUEUED);
        rollbackPositions.put(id, ++position);
        rollbackStageOf.put(id, stageIndex);
      }
    } else {
      List<String> remaining =
          targets.stream().filter(id -> !stageOf.containsKey(id)).sorted(SAMPLING_ORDER).toList();
      if (selection.kind() == StageSelection.Kind.GROUP) {
        Set<String> members = groups.getOrDefault(selection.group(), Set.of());
        chosen = remaining.stream().filter(members::contains).toList();
      } else {
        chosen = remaining.subList(0, StageSizing.size(selection, remaining.size()));
      }
      assign(chosen, stageIndex);
    }
    assignedByStage.put(stageIndex, chosen.size());
    return chosen.size();
  }

  private void assign(List<String> ids, int stageIndex) {
    for (String id : ids) {
      stageOf.put(id, stageIndex);
      positionOf.put(id, ++lastPosition);
      results.putIfAbsent(id, DeviceUpdateState.QUEUED);
    }
  }

  @Override
  public synchronized int assignJoiners(String jobId, int stageIndex) {
    List<String> joiners =
        targets.stream().filter(id -> !stageOf.containsKey(id)).sorted(SAMPLING_ORDER).toList();
    assign(joiners, stageIndex);
    return joiners.size();
  }

  @Override
  public synchronized StagePage listStage(
      String jobId, int stageIndex, long afterPosition, int limit) {
    boolean rollback = rollbackStages.contains(stageIndex);
    Map<String, Long> positions = new LinkedHashMap<>();
    if (rollback) {
      rollbackStageOf.forEach(
          (id, stage) -> {
            if (stage == stageIndex) {
              positions.put(id, rollbackPositions.get(id));
            }
          });
    } else {
      stageOf.forEach(
          (id, stage) -> {
            if (stage == stageIndex) {
              positions.put(id, positionOf.get(id));
            }
          });
    }
    List<Map.Entry<String, Long>> page =
        positions.entrySet().stream()
            .filter(e -> e.getValue() > afterPosition)
            .sorted(Map.Entry.comparingByValue())
            .limit(limit)
            .toList();
    return new StagePage(
        page.stream().map(Map.Entry::getKey).toList(),
        page.isEmpty() ? afterPosition : page.getLast().getValue(),
        page.stream().map(e -> storedAttempt.getOrDefault(e.getKey(), 1)).toList());
  }

  /** Runs inside each recordStage call (the stage's own write), before it returns. */
  volatile java.util.function.BiConsumer<StageStatus, StageCounters> onRecordStage;

  @Override
  public void recordStage(
      String jobId, int stageIndex, StageStatus status, StageCounters counters) {
    stageStatuses.put(stageIndex, status);
    var hook = onRecordStage;
    if (hook != null) {
      hook.accept(status, counters);
    }
  }

  @Override
  public int unhealthyDevices(String jobId, int stageIndex) {
    return (int)
        unhealthy.stream()
            .filter(id -> stageOf.getOrDefault(id, -1) == stageIndex)
            .filter(id -> results.get(id) == DeviceUpdateState.SUCCEEDED)
            .count();
  }

  @Override
  public HealthReport vitalsHealth(String jobId, int stageIndex, HealthPlan plan) {
    List<String> updated =
        targets.stream()
            .filter(id -> stageOf.getOrDefault(id, -1) == stageIndex)
            .filter(id -> results.get(id) == DeviceUpdateState.SUCCEEDED)
            .toList();
    List<String> control =
        targets.stream().filter(id -> results.get(id) != DeviceUpdateState.SUCCEEDED).toList();
    int updatedSick = (int) updated.stream().filter(sick::contains).count();
    int controlSick = (int) control.stream().filter(sick::contains).count();
    HealthReport report =
        new HealthReport(
            updated.size(),
            updatedSick,
            control.size(),
            controlSick,
            updatedSick + " of " + updated.size() + " updated devices unhealthy");
    healthReports.add(report);
    return report;
  }

  @Override
  public void recordDetail(String jobId, String detail) {
    details.add(String.valueOf(detail));
  }

  @Override
  public synchronized StageCounters requeueFailed(String jobId, int stageIndex) {
    List<String> failed = new ArrayList<>();
    if (!rollbackStages.contains(stageIndex)) {
      stageOf.forEach(
          (id, stage) -> {
            if (stage <= stageIndex
                && !results.get(id).isSuccess()
                && results.get(id).isTerminal()) {
              failed.add(id);
            }
          });
    }
    failed.sort(
        Comparator.comparing((String id) -> stageOf.get(id)).thenComparing(positionOf::get));
    for (String id : failed) {
      stageOf.put(id, stageIndex);
      results.put(id, DeviceUpdateState.QUEUED);
      positionOf.put(id, ++lastPosition);
      storedAttempt.merge(id, 2, (stored, first) -> stored + 1);
    }
    return storedCounters(jobId, stageIndex);
  }

  @Override
  public synchronized StageCounters storedCounters(String jobId, int stageIndex) {
    int[] by = new int[DeviceUpdateState.values().length];
    stageOf.forEach(
        (id, stage) -> {
          if (stage == stageIndex) {
            by[results.get(id).ordinal()]++;
          }
        });
    int assigned = (int) stageOf.values().stream().filter(stage -> stage == stageIndex).count();
    return new StageCounters(
        assigned,
        assigned - by[DeviceUpdateState.QUEUED.ordinal()],
        0,
        by[DeviceUpdateState.SUCCEEDED.ordinal()],
        by[DeviceUpdateState.SKIPPED.ordinal()],
        by[DeviceUpdateState.FAILED.ordinal()],
        by[DeviceUpdateState.TIMED_OUT.ordinal()],
        by[DeviceUpdateState.REJECTED.ordinal()],
        by[DeviceUpdateState.ROLLED_BACK.ordinal()],
        0);
  }

  @Override
  public WindowState window(MaintenanceWindow window, long atEpochMillis) {
    return windows.apply(atEpochMillis);
  }

  @Override
  public void recordUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail) {
    unreported.add(deviceId + ":" + state);
    events.add("timeout " + deviceId);
    results.computeIfPresent(deviceId, (id, s) -> s.isTerminal() ? s : state);
  }

  @Override
  public void recordRollbackUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail) {
    rollbacks.computeIfPresent(deviceId, (id, s) -> s.isTerminal() ? s : state);
  }

  @Override
  public synchronized DeviceUpdateOutcome settleUnreported(
      String jobId,
      String deviceId,
      int attempt,
      DeviceUpdateState state,
      String detail,
      boolean rollback) {
    if (!rollback) {
      unreported.add(deviceId + ":" + state);
      events.add("timeout " + deviceId);
    }
    Map<String, DeviceUpdateState> stored = rollback ? rollbacks : results;
    DeviceUpdateState before = stored.get(deviceId);
    if (before != null && before.isTerminal()) {
      return new DeviceUpdateOutcome(
          deviceId, before, rollback ? null : errorCodes.get(deviceId), 1024);
    }
    stored.computeIfPresent(deviceId, (id, s) -> state);
    return new DeviceUpdateOutcome(deviceId, state, null, 0);
  }

  @Override
  public void finishJob(String jobId, RolloutStatus status) {
    finalStatus = status;
  }

  @Override
  public void recordGateBreach(GateBreach breach) {
    breaches.add(breach);
  }

  @Override
  public void recordStop(String jobId, String reason) {
    stopReason = reason;
    results.replaceAll((device, state) -> state.isTerminal() ? state : DeviceUpdateState.CANCELED);
  }

  @Override
  public DeviceUpdateOutcome updateDevice(DeviceUpdateRequest request) {
    String id = request.deviceId();
    String key = id + "#" + request.attempt();
    if (request.resume() && !failedOnWorker.remove(key)) {
      return takeOver(request);
    }
    if (request.waitOffline() && offline.contains(id)) {
      waiting.add(id);
      events.add("waiting " + id);
      return new DeviceUpdateOutcome(id, DeviceUpdateState.QUEUED, null, 0);
    }
    waiting.remove(id);
    if (!request.rollback() && failsOnWorker(id)) {
      failedOnWorker.add(key);
      events.add("worker error " + key);
      throw new IllegalStateException("artifact store unavailable");
    }
    DeviceUpdateOutcome outcome = deliver(request);
    if (outcome == null) {
      Activity.getExecutionContext().doNotCompleteOnReturn();
      return null;
    }
    return complete(outcome);
  }

  /** Whether the device's next scripted answer is a worker error (taken from the script). */
  private boolean failsOnWorker(String id) {
    List<Answer> scripted = script.get(id);
    if (scripted == null || scripted.isEmpty() || scripted.getFirst() != WORKER_ERROR) {
      return false;
    }
    if (scripted.size() > 1) {
      scripted.removeFirst();
    }
    return true;
  }

  /** Slices of devices offered by {@link #deliverSlice}, and their sizes. */
  final List<Integer> sliceSizes = new CopyOnWriteArrayList<>();

  private final java.util.concurrent.ExecutorService sliceDevices =
      java.util.concurrent.Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "fake-fleet-slice");
            thread.setDaemon(true);
            return thread;
          });

  private volatile WorkflowClient client;

  /**
   * As production's batched delivery: devices offline wait, a worker error fails the whole slice
   * (each device is then re-adopted on its own), every offered device works on its own thread and
   * its end is signalled to the stage, and the slice's activity is completed once every offered
   * device reported. A silent device or a lost report leaves it open, as a single delivery is.
   */
  @Override
  public SliceOutcome deliverSlice(DeliverySlice slice) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    String stage = context.getInfo().getWorkflowId();
    byte[] token = context.getTaskToken();
    if (slice.resume()) {
      return resumeSlice(slice, context);
    }
    sliceSizes.add(slice.deviceIds().size());
    for (int i = 0; i < slice.deviceIds().size(); i++) {
      String id = slice.deviceIds().get(i);
      if (!(slice.waitOffline() && offline.contains(id)) && failsOnWorker(id)) {
        for (int j = 0; j < slice.deviceIds().size(); j++) {
          failedOnWorker.add(slice.deviceIds().get(j) + "#" + slice.attempts().get(j));
        }
        events.add("worker error " + id + "#" + slice.attempts().get(i));
        throw new IllegalStateException("artifact store unavailable");
      }
    }
    List<DeviceReport> atOnce = new ArrayList<>();
    List<DeviceUpdateRequest> offered = new ArrayList<>();
    for (int i = 0; i < slice.deviceIds().size(); i++) {
      DeviceUpdateRequest request = slice.request(i);
      if (request.waitOffline() && offline.contains(request.deviceId())) {
        waiting.add(request.deviceId());
        events.add("waiting " + request.deviceId());
        atOnce.add(
            new DeviceReport(
                request.deviceId(), request.attempt(), DeviceUpdateState.QUEUED, null));
      } else {
        waiting.remove(request.deviceId());
        offered.add(request);
      }
    }
    if (offered.isEmpty()) {
      return new SliceOutcome(atOnce);
    }
    List<DeviceReport> held = new ArrayList<>();
    if (holdAtOnceReports) {
      held.addAll(atOnce);
    } else if (!atOnce.isEmpty()) {
      signal(stage, atOnce);
    }
    context.doNotCompleteOnReturn();
    runEach(stage, token, offered, this::deliver, held);
    return null;
  }

  /**
   * Whether a slice's at-once reports (devices waiting offline) go with its first device's end in
   * one signal instead of ahead of the offers: two signals the stage handles in one workflow task.
   */
  volatile boolean holdAtOnceReports;

  /** Slices of handed-over attempts a later run took over, and their sizes. */
  final List<Integer> resumedSlices = new CopyOnWriteArrayList<>();

  /**
   * A take-over in a slice: an attempt that ended is reported at once, the others are watched as a
   * single take-over watches its device, and the slice completes once all of them reported.
   */
  private SliceOutcome resumeSlice(DeliverySlice slice, ActivityExecutionContext context) {
    String stage = context.getInfo().getWorkflowId();
    resumedSlices.add(slice.deviceIds().size());
    List<DeviceReport> atOnce = new ArrayList<>();
    List<DeviceUpdateRequest> watched = new ArrayList<>();
    for (int i = 0; i < slice.deviceIds().size(); i++) {
      DeviceUpdateRequest request = slice.request(i);
      resumed.add(request.deviceId() + "#" + request.attempt());
      DeviceUpdateState known = results.get(request.deviceId());
      if (known != null && known.isTerminal()) {
        atOnce.add(
            new DeviceReport(
                request.deviceId(), request.attempt(), known, errorCodes.get(request.deviceId())));
      } else {
        watched.add(request);
      }
    }
    if (watched.isEmpty()) {
      return new SliceOutcome(atOnce);
    }
    if (!atOnce.isEmpty()) {
      signal(stage, atOnce);
    }
    context.doNotCompleteOnReturn();
    runEach(stage, context.getTaskToken(), watched, this::awaitEnd, new ArrayList<>());
    return null;
  }

  /**
   * Plays each device on a thread of its own, signals each end to the stage, and completes the
   * slice's activity once every device reported (never, when one stays silent).
   */
  private void runEach(
      String stage,
      byte[] token,
      List<DeviceUpdateRequest> requests,
      java.util.function.Function<DeviceUpdateRequest, DeviceUpdateOutcome> play,
      List<DeviceReport> held) {
    AtomicInteger left = new AtomicInteger(requests.size());
    java.util.concurrent.atomic.AtomicBoolean allReported =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    for (DeviceUpdateRequest request : requests) {
      sliceDevices.execute(
          () -> {
            DeviceUpdateOutcome outcome = play.apply(request);
            if (outcome == null) {
              allReported.set(false);
            } else {
              List<DeviceReport> reports = new ArrayList<>();
              synchronized (held) {
                reports.addAll(held);
                held.clear();
              }
              reports.add(
                  new DeviceReport(
                      outcome.deviceId(), request.attempt(), outcome.state(), outcome.errorCode()));
              signal(stage, reports);
            }
            if (left.decrementAndGet() == 0 && allReported.get()) {
              completeSlice(token);
            }
          });
    }
  }

  /** Whether every batched report is signalled twice, as an at-least-once sender may. */
  volatile boolean duplicateReports;

  private void signal(String stage, List<DeviceReport> reports) {
    try {
      client.newWorkflowStub(StageWorkflow.class, stage).deviceReports(reports);
      if (duplicateReports) {
        client.newWorkflowStub(StageWorkflow.class, stage).deviceReports(reports);
      }
    } catch (io.temporal.client.WorkflowNotFoundException e) {
      events.add("report to a closed stage " + reports.getFirst().deviceId());
    }
  }

  private void completeSlice(byte[] token) {
    try {
      completions.complete(token, new SliceOutcome(List.of()));
    } catch (ActivityNotExistsException e) {
      refused(e, "slice");
    }
  }

  /**
   * One device's offer, played from its script: its outcome, or null when the device stays silent
   * or its report is lost (the activity that waits for it stays open).
   */
  private DeviceUpdateOutcome deliver(DeviceUpdateRequest request) {
    if ("take-over".equals(offeredBy.putIfAbsent(attemptKey(request), "first"))) {
      // Its run closed before this ran, and the take-over offered the attempt already.
      events.add("late first activity " + attemptKey(request));
      return null;
    }
    return offer(request);
  }

  private DeviceUpdateOutcome offer(DeviceUpdateRequest request) {
    String id = request.deviceId();
    attempts.incrementAndGet();
    deliveryTimes.add(clock.getAsLong());
    deliveries.add(id + (request.rollback() ? ":rollback" : "") + "#" + request.attempt());
    if (!request.rollback()) {
      storedAttempt.put(id, request.attempt());
    }
    if (request.rollback()) {
      DeviceUpdateState state =
          rollbackFailures.contains(id) ? DeviceUpdateState.FAILED : DeviceUpdateState.SUCCEEDED;
      rollbacks.put(id, state);
      return new DeviceUpdateOutcome(
          id, state, state == DeviceUpdateState.FAILED ? "INSTALL" : null, 10);
    }
    List<Answer> answers = script.get(id);
    Answer answer =
        answers == null || answers.isEmpty()
            ? SUCCESS
            : answers.size() == 1 ? answers.getFirst() : answers.removeFirst();
    if (answer == SILENT || answer == LOST_REPORT || answer == WORKER_LOST) {
      if (answer == LOST_REPORT || answer == WORKER_LOST) {
        results.put(id, answer.state());
        putCode(id, null);
      }
      return null;
    }
    events.add("deliver " + id + "#" + request.attempt());
    int now = concurrent.incrementAndGet();
    maxConcurrent.accumulateAndGet(now, Math::max);
    try {
      long delay = slowMillis.getOrDefault(id, delayMillis);
      if (delay > 0) {
        Thread.sleep(delay);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      concurrent.decrementAndGet();
    }
    results.put(id, answer.state());
    putCode(id, answer.code());
    events.add("done " + id);
    return new DeviceUpdateOutcome(id, answer.state(), answer.code(), 1024);
  }

  /**
   * A later stage run takes over an attempt: the device's answer when it has one (its first
   * activity answered after the run that started it continued as new), else the activity stays open
   * for a silent device, as the first did.
   */
  private DeviceUpdateOutcome takeOver(DeviceUpdateRequest request) {
    resumed.add(request.deviceId() + "#" + request.attempt());
    DeviceUpdateOutcome ended = awaitEnd(request);
    if (ended != null) {
      return complete(ended);
    }
    Activity.getExecutionContext().doNotCompleteOnReturn();
    return null;
  }

  /**
   * Watches a taken-over attempt: how it ended, or null while it has not (a silent device, or a
   * report lost again). An attempt nobody offered yet (its run handed the device over as soon as it
   * scheduled it, and closed before a worker polled the task) is offered here, as production's
   * take-over does; one being offered is waited for up to thirty seconds of real time: a take-over
   * that gave up too early would stay open for good, and with it the test server's time-skipping
   * lock.
   */
  private DeviceUpdateOutcome awaitEnd(DeviceUpdateRequest request) {
    String id = request.deviceId();
    List<Answer> script = this.script.get(id);
    // A lost report stays lost: the new activity times out too, as the first would have.
    boolean lost =
        (script != null && !script.isEmpty() && script.getFirst() == LOST_REPORT)
            || takeOverLost(id);
    if (!lost && offeredBy.putIfAbsent(attemptKey(request), "take-over") == null) {
      events.add("offered by take-over " + attemptKey(request));
      return offer(request);
    }
    for (int i = 0; i < 3000 && !lost; i++) {
      DeviceUpdateState known = request.rollback() ? rollbacks.get(id) : results.get(id);
      if (known != null && known.isTerminal()) {
        // As production's take-over reads the ended attempt: its state and its error code.
        return new DeviceUpdateOutcome(
            id, known, request.rollback() ? null : errorCodes.get(id), 1024);
      }
      if (script != null && !script.isEmpty() && script.getFirst() == SILENT) {
        break;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return null;
  }

  private void putCode(String id, String code) {
    if (code == null) {
      errorCodes.remove(id);
    } else {
      errorCodes.put(id, code);
    }
  }

  /**
   * When set, delivery outcomes are reported through this client rather than returned, so that a
   * completion the server refuses is seen (see {@link #completeThrough}).
   */
  private volatile ActivityCompletionClient completions;

  private volatile Runnable onRefusedCompletion;

  /** How many completions the server refused because their workflow run had closed. */
  final AtomicInteger refusedCompletions = new AtomicInteger();

  /**
   * Reports delivery outcomes through {@code client}, and runs {@code onRefused} for each one the
   * server refuses because the run that scheduled the activity has closed meanwhile (a stage run
   * that continued as new with the device still open, which the next run takes over). Temporal's
   * test server locks time skipping for each scheduled activity and unlocks it only when the
   * activity's completion is accepted, so such a refusal leaves time skipping locked for good; the
   * workflow tests give that lock back in {@code onRefused}.
   */
  void completeThrough(ActivityCompletionClient client, Runnable onRefused) {
    completions = client;
    onRefusedCompletion = onRefused;
  }

  /** Signals batched deliveries' reports to their stages through {@code workflows}. */
  void reportThrough(WorkflowClient workflows) {
    client = workflows;
  }

  private DeviceUpdateOutcome complete(DeviceUpdateOutcome outcome) {
    ActivityCompletionClient client = completions;
    if (client == null) {
      return outcome;
    }
    ActivityExecutionContext context = Activity.getExecutionContext();
    byte[] token = context.getTaskToken();
    context.doNotCompleteOnReturn();
    try {
      client.complete(token, outcome);
    } catch (ActivityNotExistsException e) {
      refused(e, outcome.deviceId());
    }
    return null;
  }

  /**
   * A completion the server refused. When the run that scheduled the activity has closed, the test
   * server says so in one of two ways, depending on how far it got with the run's close ("Completed
   * workflow", or "... invoking workflow is completed" once the run's activities are gone); either
   * way the time skipping lock the activity held is given back, or time stands still and the
   * rollout waits for real minutes.
   */
  private void refused(ActivityNotExistsException e, String what) {
    String cause = String.valueOf(e.getCause());
    if (cause.contains("Completed workflow") || cause.contains("invoking workflow is completed")) {
      refusedCompletions.incrementAndGet();
      events.add("refused " + what);
      onRefusedCompletion.run();
    } else {
      events.add("refused " + what + " for another reason: " + cause);
    }
  }

  /** Whether this take-over of the device is lost too (one of its {@link #lostTakeOvers}). */
  private synchronized boolean takeOverLost(String id) {
    Integer left = lostTakeOvers.get(id);
    if (left == null || left <= 0) {
      return false;
    }
    lostTakeOvers.put(id, left - 1);
    return true;
  }

  @Override
  public StagePage listWaiting(String jobId, int limit) {
    List<String> ready =
        waiting.stream().filter(id -> !offline.contains(id)).sorted().limit(limit).toList();
    return new StagePage(
        ready, 0L, ready.stream().map(id -> storedAttempt.getOrDefault(id, 1)).toList());
  }

  @Override
  public int waitingDevices(String jobId) {
    return waiting.size();
  }

  @Override
  public synchronized int expireWaiting(String jobId) {
    int count = waiting.size();
    for (String id : waiting) {
      results.put(id, DeviceUpdateState.TIMED_OUT);
      events.add("expired " + id);
    }
    waiting.clear();
    expired += count;
    return count;
  }

  @Override
  public void openWaitingStage(String jobId, int stageIndex, String name) {
    waitingStage = stageIndex;
  }

  Set<String> stageMembers(int stageIndex) {
    Set<String> members = new HashSet<>();
    stageOf.forEach(
        (id, stage) -> {
          if (stage == stageIndex) {
            members.add(id);
          }
        });
    return members;
  }
}
