package dev.firmament.orchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.firmament.orchestrator.rollout.FakeFleet.Answer;
import dev.firmament.orchestrator.rollout.engine.RolloutWorkflowImpl;
import dev.firmament.orchestrator.rollout.engine.StageWorkflowImpl;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.testservice.v1.UnlockTimeSkippingRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.TestServiceStubs;
import io.temporal.serviceclient.TestServiceStubsOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout and stage workflows in Temporal's test environment with time skipping, against an
 * in-memory fleet: stages, gates and their actions, controls, windows, schedule, approval,
 * timeouts, retries, rollback, joiners, and the history bound.
 */
class RolloutWorkflowTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  /**
   * Time skipping stops while an activity is open, and a silent device leaves its activity open, so
   * tests with silent devices use a device timeout that passes quickly in real time.
   */
  private static final Duration SILENT_TIMEOUT = Duration.ofSeconds(1);

  static final String JOB = "job-1";

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private TestServiceStubs testService;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    if (testService != null) {
      testService.shutdownNow();
    }
    env.close();
  }

  @Test
  void aSingleStageUpdatesEveryTargetAcrossPagesWithinTheConcurrencyBound() {
    FakeFleet fleet = fleet(23).answer("dev-003", new Answer(DeviceUpdateState.SKIPPED, null));
    fleet.delayMillis = 20;

    RolloutProgress result = run(fleet, new RolloutRequest(JOB, 4, TIMEOUT, 5));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.total()).isEqualTo(23);
    assertThat(result.started()).isEqualTo(23);
    assertThat(result.inFlight()).isZero();
    assertThat(result.succeeded()).isEqualTo(22);
    assertThat(result.skipped()).isEqualTo(1);
    assertThat(fleet.maxConcurrent.get()).isLessThanOrEqualTo(4).isGreaterThan(1);
    assertThat(fleet.finalStatus).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(fleet.stageStatuses).containsEntry(0, StageStatus.SUCCEEDED);
  }

  @Test
  void aCancelThatArrivesWhileARunHandsOverReachesTheNextRun() {
    FakeFleet fleet = fleet(10);
    fleet.delayMillis = 300;
    AtomicInteger signals = new AtomicInteger();
    // The first page's hand-over writes the stage's progress, and the run waits for that write
    // before it continues as new: a cancel that reaches the run then must reach the next run.
    fleet.onRecordStage =
        (status, counters) -> {
          if (counters.started() == 5 && signals.getAndIncrement() == 0) {
            client
                .newWorkflowStub(
                    StageWorkflow.class, TaskQueues.rolloutWorkflowId(JOB) + "/stage/0")
                .cancel();
          }
        };

    RolloutProgress result =
        run(fleet, new RolloutRequest(JOB, 10, TIMEOUT, 5, RolloutPlan.singleStage(10)));

    assertThat(signals.get()).isPositive();
    assertThat(result.stages().getFirst().status()).isEqualTo(StageStatus.CANCELED);
    // The second page was never started.
    assertThat(fleet.deliveries).hasSize(5);
  }

  @Test
  void theRunThatListsTheLastPageServesItToTheEnd() {
    FakeFleet fleet = fleet(5);
    fleet.delayMillis = 20;

    RolloutProgress result =
        run(fleet, new RolloutRequest(JOB, 2, TIMEOUT, 3, RolloutPlan.singleStage(2)));

    assertThat(result.succeeded()).isEqualTo(5);
    // A full page of three hands over to a second run, which lists the last two and serves them
    // itself: no third run that would find nothing to start.
    assertThat(stageRuns(0)).isEqualTo(2);
  }

  /** How many runs the stage's workflow took, following its continue-as-new chain back. */
  private int stageRuns(int stage) {
    return runs(TaskQueues.rolloutWorkflowId(JOB) + "/stage/" + stage).size();
  }

  /** Every run's history of a workflow, the latest first, following its continue-as-new chain. */
  List<List<HistoryEvent>> runs(String workflowId) {
    List<List<HistoryEvent>> runs = new ArrayList<>();
    String runId = null;
    do {
      List<HistoryEvent> events =
          runId == null
              ? client.fetchHistory(workflowId).getEvents()
              : client.fetchHistory(workflowId, runId).getEvents();
      runs.add(events);
      runId =
          events
              .getFirst()
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
    } while (!runId.isEmpty());
    return runs;
  }

  @Test
  void aSilentDeviceInManyPagesHoldsOneSlotNeverItsPage() {
    FakeFleet fleet = fleet(30);
    List<String> silent = new java.util.ArrayList<>();
    for (int i = 0; i < 30; i += 5) {
      String id = String.format("dev-%03d", i);
      fleet.answer(id, FakeFleet.SILENT);
      silent.add(id);
    }
    // Pages of five: the silent devices fall into most of them. The timeout leaves room for every
    // answering device to be offered before the first silent one times out even on a loaded
    // machine (with 8 s, a full build on two cores now and then offered the last one later).
    RolloutRequest request =
        new RolloutRequest(JOB, 100, Duration.ofSeconds(16), 5, RolloutPlan.singleStage(100));

    RolloutProgress result = run(fleet, request);

    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    StageCounters counters = result.stages().getFirst().counters();
    assertThat(counters.succeeded()).as("fleet events %s", fleet.events).isEqualTo(24);
    assertThat(counters.timedOut()).as("fleet events %s", fleet.events).isEqualTo(6);
    // Every answering device was offered before the first silent one timed out: no page waited
    // for its silent device, whose attempt later runs took over until its timeout.
    int firstTimeout =
        fleet.events.indexOf(
            fleet.events.stream().filter(e -> e.startsWith("timeout ")).findFirst().orElseThrow());
    assertThat(fleet.events.subList(0, firstTimeout))
        .filteredOn(e -> e.startsWith("deliver "))
        .hasSize(24);
    // Later runs took the silent devices over (and, on a slow machine, now and then a device
    // that answered a moment after its run handed it over; it is counted once all the same).
    assertThat(fleet.resumed.stream().map(r -> r.substring(0, r.indexOf('#'))))
        .containsAnyElementsOf(silent);
    assertThat(fleet.unreported)
        .containsExactlyInAnyOrderElementsOf(silent.stream().map(id -> id + ":TIMED_OUT").toList());
  }

  @Test
  void aStageAdvancesOnTheAnswersSoFarAndItsStragglerIsCountedWhenItAnswers() {
    FakeFleet fleet = fleet(12);
    List<String> order = devices(12).stream().sorted(FakeFleet.SAMPLING_ORDER).toList();
    String straggler = order.getFirst();
    fleet.slowMillis.put(straggler, 2_000L);
    RolloutPlan plan =
        plan(
            stage(
                "first",
                StageSelection.count(6),
                new GatePlan(null, 0.5, 3, 0.5, BreachAction.ABORT),
                10),
            stage("second", StageSelection.percent(100), null, 10));

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(12);
    // The first stage went on with five answers and its straggler still updating; the second
    // offered its devices before the straggler answered, took it over, and counted its success.
    assertThat(result.stages().get(0).counters().succeeded()).isEqualTo(5);
    assertThat(result.stages().get(1).counters().succeeded()).isEqualTo(7);
    String secondStageDevice = order.get(6);
    assertThat(fleet.events.indexOf("deliver " + secondStageDevice + "#1"))
        .isLessThan(fleet.events.indexOf("done " + straggler));
    assertThat(fleet.resumed).contains(straggler + "#1");
    assertThat(fleet.attempts.get()).isEqualTo(12);
  }

  @Test
  void anOfflineDeviceWaitsWithoutASlotAndIsOfferedWhenItConnects() {
    FakeFleet fleet = fleet(6);
    fleet.offline.add("dev-002");
    RolloutPlan plan =
        plan(stage("only", StageSelection.percent(100), null, 2)).withExpiry(Duration.ofDays(1));
    WorkflowStub stub = start(fleet, request(plan));
    RolloutWorkflow rollout = typed(stub);

    env.sleep(Duration.ofMinutes(10));
    // The other five were offered two at a time past it; it holds no slot and got no offer.
    assertThat(fleet.events)
        .contains("waiting dev-002")
        .noneMatch(e -> e.startsWith("deliver dev-002"));
    assertThat(fleet.events).filteredOn(e -> e.startsWith("deliver ")).hasSize(5);
    RolloutProgress waiting = rollout.progress();
    assertThat(waiting.status()).isEqualTo(RolloutStatus.RUNNING);
    assertThat(waiting.stages())
        .extracting(StageProgress::name, StageProgress::status)
        .containsExactly(
            tuple("only", StageStatus.SUCCEEDED), tuple("offline devices", StageStatus.RUNNING));
    assertThat(fleet.waitingStage).isEqualTo(1);

    fleet.offline.remove("dev-002");
    rollout.devicesOnline();
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(6);
    assertThat(fleet.events.indexOf("deliver dev-002#1"))
        .isGreaterThan(fleet.events.indexOf("waiting dev-002"));
    assertThat(result.stages().get(0).counters().succeeded()).isEqualTo(5);
    assertThat(result.stages().get(1).counters().succeeded()).isEqualTo(1);
  }

  @Test
  void devicesStillOfflineWhenTheRolloutExpiresEndTimedOut() {
    FakeFleet fleet = fleet(4);
    fleet.offline.add("dev-001");
    RolloutPlan plan =
        plan(stage("only", StageSelection.percent(100), null)).withExpiry(Duration.ofHours(2));

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(result.timedOut()).isEqualTo(1);
    assertThat(fleet.expired).isEqualTo(1);
    assertThat(fleet.events).noneMatch(e -> e.startsWith("deliver dev-001"));
    assertThat(fleet.results.get("dev-001")).isEqualTo(DeviceUpdateState.TIMED_OUT);
    assertThat(result.stages().get(1).counters().timedOut()).isEqualTo(1);
  }

  @Test
  void withoutAnExpiryAnOfflineDeviceIsOfferedAsBefore() {
    FakeFleet fleet = fleet(3);
    fleet.offline.add("dev-001");

    RolloutProgress result =
        run(fleet, request(plan(stage("only", StageSelection.percent(100), null))));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(fleet.events).contains("deliver dev-001#1").noneMatch(e -> e.startsWith("waiting"));
    assertThat(result.stages()).hasSize(1);
  }

  @Test
  void aSilentDeviceTimesOutAndTheRolloutEndsFailed() {
    FakeFleet fleet = fleet(3).answer("dev-001", FakeFleet.SILENT);

    RolloutProgress result = run(fleet, new RolloutRequest(JOB, 10, SILENT_TIMEOUT, 100));

    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    assertThat(result.timedOut()).isEqualTo(1);
    assertThat(result.succeeded()).isEqualTo(2);
    assertThat(fleet.unreported).containsExactly("dev-001:TIMED_OUT");
  }

  @Test
  void aDeviceWhoseReportWonTheRaceWithItsTimeoutIsCountedAsStored() {
    FakeFleet fleet = fleet(3).answer("dev-001", FakeFleet.LOST_REPORT);

    RolloutProgress result = run(fleet, new RolloutRequest(JOB, 10, SILENT_TIMEOUT, 100));

    // The delivery timed out, but PostgreSQL holds the device's SUCCEEDED: that is what counts.
    assertThat(fleet.unreported).containsExactly("dev-001:TIMED_OUT");
    assertThat(fleet.results.get("dev-001")).isEqualTo(DeviceUpdateState.SUCCEEDED);
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(result.timedOut()).isZero();
  }

  @Test
  void aDeliveryWhoseWorkerWasLostIsReadoptedAndCountsAsTheDeviceReported() {
    FakeFleet fleet = fleet(3).answer("dev-001", FakeFleet.WORKER_LOST);
    // The stage's next run takes the open delivery over, and that worker is lost as well.
    fleet.lostTakeOvers.put("dev-001", 1);

    // No heartbeat for a second: the worker is lost, long before the device's timeout.
    RolloutProgress result =
        run(
            fleet,
            new RolloutRequest(JOB, 10, Duration.ofSeconds(30), 100)
                .withDeliveryHeartbeat(Duration.ofSeconds(1)));

    // Taken over by another worker, which hears the device's end: nothing timed out.
    assertThat(fleet.resumed).containsExactly("dev-001#1", "dev-001#1");
    assertThat(fleet.unreported).isEmpty();
    assertThat(fleet.deliveries)
        .filteredOn(d -> d.startsWith("dev-001"))
        .containsExactly("dev-001#1");
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(result.timedOut()).isZero();
  }

  @Test
  void aWorkerErrorBeforeTheOfferIsRetriedAndNeverCountedAgainstTheDevice() {
    FakeFleet fleet =
        fleet(3)
            .answer("dev-001", FakeFleet.WORKER_ERROR, FakeFleet.WORKER_ERROR, FakeFleet.SUCCESS);

    RolloutProgress result =
        run(fleet, request(null).withDeliveryHeartbeat(Duration.ofSeconds(30)));

    assertThat(fleet.events)
        .containsSubsequence(
            "worker error dev-001#1", "worker error dev-001#1", "deliver dev-001#1");
    // The same attempt ran again: the rollout's retry policy spent nothing, nothing failed.
    assertThat(fleet.deliveries)
        .filteredOn(d -> d.startsWith("dev-001"))
        .containsExactly("dev-001#1");
    assertThat(fleet.unreported).isEmpty();
    assertThat(result.failed()).isZero();
    assertThat(result.succeeded()).isEqualTo(3);
  }

  @Test
  void withoutADeliveryHeartbeatAWorkerErrorStillCountsAsTheDevicesFailure() {
    FakeFleet fleet = fleet(3).answer("dev-001", FakeFleet.WORKER_ERROR, FakeFleet.SUCCESS);

    // A rollout started before re-adoption existed keeps the behaviour it was started with. (Its
    // one page is served by one run, so no hand-over races the worker's error.)
    asRequested = true;
    RolloutProgress result = run(fleet, request(null));

    assertThat(fleet.unreported).containsExactly("dev-001:FAILED");
    assertThat(result.failed()).isEqualTo(1);
  }

  @Test
  void aWaitingDeviceOnlineAtTheExpiryIsOfferedOnceBeforeTheRestExpire() {
    FakeFleet fleet = fleet(4);
    fleet.offline.add("dev-001");
    fleet.offline.add("dev-002");
    // The stage soaks past the rollout's expiry; dev-001 connects meanwhile, and nobody says so.
    StagePlan soaking =
        new StagePlan(
            "only",
            StageSelection.percent(100),
            4,
            null,
            Duration.ofMinutes(30),
            null,
            AdvanceMode.AUTOMATIC);
    WorkflowStub stub = start(fleet, request(plan(soaking).withExpiry(Duration.ofMinutes(10))));
    env.sleep(Duration.ofMinutes(5));
    assertThat(fleet.waiting).containsExactlyInAnyOrder("dev-001", "dev-002");
    fleet.offline.remove("dev-001");

    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(fleet.events).contains("deliver dev-001#1", "expired dev-002");
    assertThat(fleet.events).doesNotContain("expired dev-001");
    assertThat(fleet.results.get("dev-001")).isEqualTo(DeviceUpdateState.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(result.timedOut()).isEqualTo(1);
    assertThat(result.stages().get(1).counters().succeeded()).isEqualTo(1);
  }

  @Test
  void aProductWithoutTargetsFinishesAtOnce() {
    RolloutProgress result = run(fleet(0), new RolloutRequest(JOB, 2, TIMEOUT, 100));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.total()).isZero();
  }

  @Test
  void aCanaryGroupThenPercentagesOfTheRemainingTargetsPickTheSameDevicesOnEveryRun() {
    List<Set<String>> firstRun = runCanaryPlan();
    env.close();
    setUp();
    List<Set<String>> secondRun = runCanaryPlan();

    // Production's rule (StageRecords) orders the remaining devices by md5(device_id), then id:
    // of dev-000 to dev-019 without the canary, md5 sorts dev-013 (07c858c0...) first and dev-008
    // (f71db349...) last. A 50% stage takes the first 9 of the 18 (StageSizing rounds up). The
    // workers' StageRecordsTest checks the same nine against PostgreSQL.
    assertThat(firstRun.get(0)).containsExactlyInAnyOrder("dev-005", "dev-011");
    assertThat(firstRun.get(1))
        .containsExactlyInAnyOrder(
            "dev-013", "dev-015", "dev-007", "dev-014", "dev-009", "dev-000", "dev-002", "dev-012",
            "dev-004");
    assertThat(firstRun.get(2))
        .containsExactlyInAnyOrder(
            "dev-001", "dev-006", "dev-018", "dev-010", "dev-017", "dev-003", "dev-019", "dev-016",
            "dev-008");
    assertThat(secondRun).isEqualTo(firstRun);
  }

  private List<Set<String>> runCanaryPlan() {
    FakeFleet fleet = fleet(20);
    fleet.groups.put("canary", Set.of("dev-005", "dev-011"));
    RolloutPlan plan =
        plan(
            stage("canary", StageSelection.group("canary"), null),
            stage("half", StageSelection.percent(50), null),
            stage("rest", StageSelection.percent(100), null));

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(20);
    assertThat(result.stages())
        .extracting(StageProgress::status)
        .containsOnly(StageStatus.SUCCEEDED);
    return List.of(fleet.stageMembers(0), fleet.stageMembers(1), fleet.stageMembers(2));
  }

  @Test
  void aBreachedGateWithAbortStopsTheRolloutBeforeLaterStages() {
    FakeFleet fleet = fleet(20);
    failing(fleet, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    GatePlan gate = new GatePlan(null, 0.2, 5, 0, BreachAction.ABORT);
    RolloutPlan plan =
        plan(
            stage("first", StageSelection.count(10), gate),
            stage("rest", StageSelection.percent(100), null));

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(result.stages()).hasSize(1);
    assertThat(result.stages().getFirst().status()).isEqualTo(StageStatus.FAILED);
    assertThat(fleet.assignedByStage).doesNotContainKey(1);
    assertThat(fleet.finalStatus).isEqualTo(RolloutStatus.ABORTED);
    // Published once, when it breached, not again when the stage's last devices finished.
    assertThat(fleet.breaches)
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.stage()).isZero();
              assertThat(b.stageName()).isEqualTo("first");
              assertThat(b.kind()).isEqualTo(StageKind.UPDATE);
              assertThat(b.gate()).isEqualTo("FAILURE_RATE");
              assertThat(b.action()).isEqualTo(BreachAction.ABORT);
              assertThat(b.detail()).startsWith("failures ");
            });
  }

  @Test
  void aBreachedGateWithPauseWaitsForResume() {
    FakeFleet fleet = fleet(6);
    failing(fleet, 0);
    GatePlan gate = new GatePlan(null, 0.0, 1, 0, BreachAction.PAUSE);
    WorkflowStub stub =
        start(fleet, request(plan(stage("only", StageSelection.percent(100), gate))));

    env.sleep(Duration.ofHours(1));
    RolloutWorkflow rollout = typed(stub);
    assertThat(rollout.progress().status()).isEqualTo(RolloutStatus.PAUSED);
    int deliveredWhilePaused = fleet.deliveries.size();
    env.sleep(Duration.ofHours(1));
    assertThat(fleet.deliveries).hasSize(deliveredWhilePaused);

    rollout.resume();
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    assertThat(result.succeeded() + result.failed()).isEqualTo(6);
    assertThat(fleet.statuses).contains(RolloutStatus.PAUSED);
    assertThat(fleet.breaches)
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.gate()).isEqualTo("FAILURE_RATE");
              assertThat(b.action()).isEqualTo(BreachAction.PAUSE);
            });
  }

  @Test
  void aStageBelowItsSuccessThresholdPausesAtItsEndUntilResumed() {
    FakeFleet fleet = fleet(4).answer("dev-002", new Answer(DeviceUpdateState.REJECTED, "OLD"));
    GatePlan gate = new GatePlan(Set.of(DeviceUpdateState.FAILED), 1.0, 0, 0.9, BreachAction.PAUSE);
    WorkflowStub stub =
        start(fleet, request(plan(stage("only", StageSelection.percent(100), gate))));

    env.sleep(Duration.ofHours(1));
    RolloutWorkflow rollout = typed(stub);
    assertThat(rollout.progress().status()).isEqualTo(RolloutStatus.PAUSED);
    assertThat(fleet.deliveries).hasSize(4);

    rollout.resume();
    RolloutProgress result = stub.getResult(RolloutProgress.class);
    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    assertThat(result.stages().getFirst().status()).isEqualTo(StageStatus.SUCCEEDED);
    assertThat(fleet.breaches)
        .singleElement()
        .satisfies(b -> assertThat(b.gate()).isEqualTo("SUCCESS_THRESHOLD"));
  }

  @Test
  void aBreachedGateWithRollbackDeliversThePreviousVersionToChangedDevices() {
    FakeFleet fleet = fleet(10);
    failing(fleet, 4, 5, 6, 7, 8, 9);
    GatePlan gate = new GatePlan(null, 0.3, 10, 0, BreachAction.ROLLBACK);
    RolloutPlan plan = plan(stage("only", StageSelection.percent(100), gate, 1));

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    assertThat(result.stages()).hasSize(2);
    StageProgress rollback = result.stages().get(1);
    assertThat(rollback.kind()).isEqualTo(StageKind.ROLLBACK);
    assertThat(rollback.status()).isEqualTo(StageStatus.SUCCEEDED);
    assertThat(rollback.counters().succeeded()).isEqualTo(4);
    assertThat(fleet.deliveries.stream().filter(d -> d.contains(":rollback")))
        .containsExactlyInAnyOrder(
            "dev-000:rollback#1", "dev-001:rollback#1", "dev-002:rollback#1", "dev-003:rollback#1");
    assertThat(fleet.statuses).contains(RolloutStatus.ROLLING_BACK);
  }

  @Test
  void retryableFailuresAreRetriedWithBackoffAndOthersAreNot() {
    FakeFleet fleet = fleet(3);
    Answer transient_ = new Answer(DeviceUpdateState.FAILED, "DOWNLOAD_INTERRUPTED");
    fleet.answer("dev-000", transient_, transient_, FakeFleet.SUCCESS);
    fleet.answer("dev-001", new Answer(DeviceUpdateState.FAILED, "HASH_MISMATCH"));
    fleet.answer("dev-002", FakeFleet.SILENT, FakeFleet.SUCCESS);
    RetryPolicy retry =
        new RetryPolicy(
            3,
            Duration.ofMinutes(1),
            2.0,
            Duration.ofMinutes(5),
            0.5,
            Set.of("DOWNLOAD_INTERRUPTED", "TIMED_OUT"));
    RolloutPlan plan = new RolloutPlan(List.of(StagePlan.everything(5)), retry, null, null, false);

    RolloutProgress result = run(fleet, new RolloutRequest(JOB, 4, SILENT_TIMEOUT, 7, plan));

    assertThat(fleet.deliveries)
        .contains("dev-000#1", "dev-000#2", "dev-000#3", "dev-001#1", "dev-002#1", "dev-002#2")
        .doesNotContain("dev-001#2");
    assertThat(result.succeeded()).isEqualTo(2);
    assertThat(result.failed()).isEqualTo(1);
    assertThat(result.timedOut()).isZero();
    assertThat(fleet.unreported).containsExactly("dev-002:TIMED_OUT");
  }

  @Test
  void aCancelEndsADevicesRetryBackoffAtOnce() {
    FakeFleet fleet = fleet(1);
    Answer transient_ = new Answer(DeviceUpdateState.FAILED, "DOWNLOAD_INTERRUPTED");
    fleet.answer("dev-000", transient_, FakeFleet.SUCCESS);
    RetryPolicy retry =
        new RetryPolicy(
            3, Duration.ofHours(6), 2.0, Duration.ofHours(6), 0.0, Set.of("DOWNLOAD_INTERRUPTED"));
    RolloutPlan plan = new RolloutPlan(List.of(StagePlan.everything(5)), retry, null, null, false);
    WorkflowStub stub = start(fleet, new RolloutRequest(JOB, 4, SILENT_TIMEOUT, 7, plan));
    env.sleep(Duration.ofHours(1));
    assertThat(fleet.deliveries).containsExactly("dev-000#1");

    typed(stub).cancel(false);
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.CANCELED);
    assertThat(fleet.deliveries).containsExactly("dev-000#1");
    assertThat(result.failed()).isEqualTo(1);
    // The rollout ended without waiting for the rest of the six-hour backoff.
    assertThat(fromSignalToEnd(stub, "cancel")).isLessThan(Duration.ofHours(1));
  }

  @Test
  void aRolloutThatWaitsForItsDevicesStartsWhenTheyAreFreeOrEndsOnCancel() {
    FakeFleet fleet = fleet(2);
    fleet.busyChecks.set(3);
    RolloutPlan waits =
        new RolloutPlan(List.of(StagePlan.everything(4)), null, null, null, false, true);
    long t0 = env.currentTimeMillis();

    RolloutProgress result = run(fleet, request(waits));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(2);
    // Three checks found the devices held, a minute apart.
    assertThat(env.currentTimeMillis() - t0)
        .isGreaterThanOrEqualTo(Duration.ofMinutes(3).toMillis());
  }

  @Test
  void aCancelEndsARolloutStillWaitingForItsDevices() {
    FakeFleet fleet = fleet(2);
    fleet.busyChecks.set(Integer.MAX_VALUE);
    RolloutPlan waits =
        new RolloutPlan(List.of(StagePlan.everything(4)), null, null, null, false, true);
    WorkflowStub stub = start(fleet, request(waits));
    env.sleep(Duration.ofMinutes(10));

    typed(stub).cancel(false);

    assertThat(stub.getResult(RolloutProgress.class).status()).isEqualTo(RolloutStatus.CANCELED);
    assertThat(fleet.statuses).doesNotContain(RolloutStatus.RUNNING);
    assertThat(fleet.deliveries).isEmpty();
  }

  @Test
  void aScheduledRolloutTakesANewPlanUntilItsStartTimeComes() {
    FakeFleet fleet = fleet(3);
    long t0 = env.currentTimeMillis();
    RolloutPlan later =
        new RolloutPlan(
            List.of(StagePlan.everything(4)),
            null,
            null,
            Instant.ofEpochMilli(t0).plus(Duration.ofHours(5)),
            false);
    WorkflowStub stub = start(fleet, request(later));
    env.sleep(Duration.ofMinutes(10));

    Instant sooner = Instant.ofEpochMilli(t0).plus(Duration.ofMinutes(30));
    RolloutPlan accepted =
        typed(stub)
            .replan(new RolloutPlan(List.of(StagePlan.everything(2)), null, null, sooner, false));
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(accepted.startAt()).isEqualTo(sooner);
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    // It ran at the new start time, hours before the first plan's: by the server's clock as the
    // history records the end (the environment's clock may skip ahead once nothing runs).
    HistoryEvent completed =
        client.fetchHistory(stub.getExecution().getWorkflowId()).getEvents().getLast();
    assertThat(completed.getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    assertThat(completed.getEventTime().getSeconds() * 1000)
        .isLessThan(t0 + Duration.ofHours(1).toMillis());
    assertThat(fleet.maxConcurrent.get()).isLessThanOrEqualTo(2);
  }

  @Test
  void aRolloutPastItsStartRefusesANewPlan() {
    FakeFleet fleet = fleet(2);
    RolloutPlan approval =
        new RolloutPlan(List.of(StagePlan.everything(4)), null, null, null, true);
    WorkflowStub stub = start(fleet, request(approval));
    env.sleep(Duration.ofMinutes(1));
    assertThat(typed(stub).progress().status()).isEqualTo(RolloutStatus.WAITING_APPROVAL);

    assertThatThrownBy(() -> typed(stub).replan(RolloutPlan.singleStage(4)))
        .isInstanceOf(WorkflowUpdateException.class);

    typed(stub).cancel(false);
    assertThat(stub.getResult(RolloutProgress.class).status()).isEqualTo(RolloutStatus.CANCELED);
  }

  @Test
  void aRolloutThatEndedIsRolledBackByARunOfItsOwn() {
    FakeFleet fleet = fleet(5).answer("dev-002", new Answer(DeviceUpdateState.FAILED, "HASH"));
    RolloutProgress done = run(fleet, new RolloutRequest(JOB, 4, TIMEOUT, 5));
    assertThat(done.status()).isEqualTo(RolloutStatus.FAILED);

    RolloutWorkflow rollback =
        client.newWorkflowStub(
            RolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.ROLLOUT)
                .setWorkflowId(TaskQueues.rollbackWorkflowId(JOB, 1))
                .build());
    WorkflowClient.start(
        rollback::run,
        new RolloutRequest(JOB, 4, TIMEOUT, 5, RolloutPlan.singleStage(4), true, null));
    RolloutProgress result = WorkflowStub.fromTyped(rollback).getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    assertThat(fleet.finalStatus).isEqualTo(RolloutStatus.ROLLED_BACK);
    // Exactly the devices the rollout changed go back, as the stage after the plan's.
    assertThat(fleet.rollbacks.keySet())
        .containsExactlyInAnyOrder("dev-000", "dev-001", "dev-003", "dev-004");
    assertThat(fleet.rollbacks.values()).containsOnly(DeviceUpdateState.SUCCEEDED);
    assertThat(fleet.rollbackStage).isEqualTo(1);
  }

  @Test
  void aRollbackRunsInThePlansRollbackStagesWithTheirApprovalAndRate() {
    FakeFleet fleet = fleet(10);
    failing(fleet, 9);
    GatePlan gate = new GatePlan(null, 0.05, 10, 0, BreachAction.ROLLBACK);
    RolloutPlan plan =
        plan(stage("only", StageSelection.percent(100), gate, 2))
            .withRollbackStages(
                List.of(
                    stage("back-first", StageSelection.count(3), null, 1),
                    new StagePlan(
                        "back-rest",
                        StageSelection.percent(100),
                        3,
                        null,
                        Duration.ZERO,
                        null,
                        AdvanceMode.APPROVAL)));
    WorkflowStub stub = start(fleet, request(plan));
    RolloutWorkflow rollout = typed(stub);

    env.sleep(Duration.ofHours(1));
    // The first rollback stage took its three devices; the second waits for its approval.
    assertThat(rollout.progress().status()).isEqualTo(RolloutStatus.WAITING_APPROVAL);
    assertThat(fleet.rollbacks).hasSize(3).containsOnlyKeys("dev-000", "dev-001", "dev-002");
    assertThat(fleet.rollbackStageOf).containsValue(1).doesNotContainValue(2);
    rollout.approve();
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    assertThat(result.stages())
        .extracting(StageProgress::name, StageProgress::kind, StageProgress::status)
        .containsExactly(
            tuple("only", StageKind.UPDATE, StageStatus.FAILED),
            tuple("back-first", StageKind.ROLLBACK, StageStatus.SUCCEEDED),
            tuple("back-rest", StageKind.ROLLBACK, StageStatus.SUCCEEDED));
    assertThat(result.stages().get(1).counters().succeeded()).isEqualTo(3);
    assertThat(result.stages().get(2).counters().succeeded()).isEqualTo(6);
    // Each of the nine changed devices was taken back once, in one of the two stages.
    assertThat(fleet.deliveries.stream().filter(d -> d.contains(":rollback"))).hasSize(9);
    assertThat(fleet.rollbacks).hasSize(9).doesNotContainKey("dev-009");
    assertThat(fleet.rollbacks.values()).containsOnly(DeviceUpdateState.SUCCEEDED);
  }

  @Test
  void aRollbackStagesGateStopsTheRollbackWithItsReason() {
    FakeFleet fleet = fleet(10);
    RolloutProgress done =
        run(fleet, request(plan(stage("only", StageSelection.percent(100), null))));
    assertThat(done.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    fleet.rollbackFailures.addAll(List.of("dev-005", "dev-006", "dev-007"));
    GatePlan strict = new GatePlan(null, 0.2, 4, 0, BreachAction.ABORT);
    RolloutPlan staged =
        plan(stage("only", StageSelection.percent(100), null))
            .withRollbackStages(
                List.of(
                    stage("back-first", StageSelection.count(3), strict, 1),
                    stage("back-rest", StageSelection.percent(100), strict, 1),
                    stage("never", StageSelection.percent(100), null, 1)));

    RolloutWorkflow rollback =
        client.newWorkflowStub(
            RolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.ROLLOUT)
                .setWorkflowId(TaskQueues.rollbackWorkflowId(JOB, 1))
                .build());
    WorkflowClient.start(rollback::run, new RolloutRequest(JOB, 4, TIMEOUT, 5, staged, true, 1));
    RolloutProgress result = WorkflowStub.fromTyped(rollback).getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(result.stages())
        .extracting(StageProgress::index, StageProgress::status)
        .containsExactly(tuple(1, StageStatus.SUCCEEDED), tuple(2, StageStatus.FAILED));
    assertThat(fleet.stopReason)
        .startsWith("rollback stage 2 (back-rest): gate breached, failures 2 of 4 finished")
        .endsWith("; rollback stopped");
    // The third rollback stage never started: the devices the second did not reach stay as they
    // are.
    assertThat(fleet.rollbackStages).containsExactlyInAnyOrder(1, 2);
    assertThat(fleet.rollbacks.keySet()).hasSize(10);
    assertThat(fleet.rollbacks.values()).contains(DeviceUpdateState.FAILED);
  }

  @Test
  void aBreachedGateRecordsWhichStageWhatCountsAndWhichAction() {
    FakeFleet fleet = fleet(4);
    fleet.answer("dev-000", new Answer(DeviceUpdateState.FAILED, "HASH_MISMATCH"));
    fleet.answer("dev-001", new Answer(DeviceUpdateState.FAILED, "HASH_MISMATCH"));
    RolloutPlan plan =
        new RolloutPlan(
            List.of(
                stage(
                    "canary",
                    StageSelection.count(2),
                    new GatePlan(null, 0.0, 1, 0, BreachAction.ABORT),
                    1),
                StagePlan.everything(2)),
            null,
            null,
            null,
            false);

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(fleet.stopReason)
        .startsWith("stage 0 (canary): gate breached, ")
        .contains("max rate 0.0")
        .endsWith("; aborted");
  }

  @Test
  void aWriteTheDatabaseRefusesEndsTheRolloutFailedWithTheReason() {
    FakeFleet fleet = fleet(3);
    fleet.assignFailure =
        () ->
            ApplicationFailure.newNonRetryableFailure(
                "value too long for type character varying(100)", RolloutFailures.DATA_REFUSED);

    RolloutProgress result = run(fleet, new RolloutRequest(JOB, 4, TIMEOUT, 5));

    assertThat(result.status()).isEqualTo(RolloutStatus.FAILED);
    assertThat(fleet.finalStatus).isEqualTo(RolloutStatus.FAILED);
    assertThat(fleet.stopReason).contains("value too long");
    assertThat(fleet.deliveries).isEmpty();
  }

  @Test
  void aCancelEndsARolloutWhoseBookkeepingKeepsFailing() {
    FakeFleet fleet = fleet(3);
    AtomicInteger attempts = new AtomicInteger();
    fleet.assignFailure =
        () -> {
          attempts.incrementAndGet();
          return new IllegalStateException("the database is not answering");
        };
    WorkflowStub stub = start(fleet, new RolloutRequest(JOB, 4, TIMEOUT, 5));
    env.sleep(Duration.ofMinutes(5));
    assertThat(attempts.get()).as("the write is retried").isGreaterThan(1);
    assertThat(typed(stub).progress().status()).isEqualTo(RolloutStatus.RUNNING);

    typed(stub).cancel(false);
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.CANCELED);
    assertThat(fleet.finalStatus).isEqualTo(RolloutStatus.CANCELED);
    assertThat(fleet.deliveries).isEmpty();
  }

  /** Lets the rollout pause on its gate, then retries its failed devices, resumes, and waits. */
  private RolloutProgress retryFailedOncePaused(WorkflowStub stub) {
    bounded(() -> env.sleep(Duration.ofHours(1)));
    RolloutWorkflow rollout = typed(stub);
    assertThat(rollout.progress().status())
        .as(() -> "progress " + rollout.progress() + "\nhistories:\n" + histories())
        .isEqualTo(RolloutStatus.PAUSED);
    rollout.retryFailed();
    rollout.resume();
    AtomicReference<RolloutProgress> result = new AtomicReference<>();
    bounded(() -> result.set(stub.getResult(RolloutProgress.class)));
    return result.get();
  }

  /** Runs a wait that must end within a minute; when it does not, fails with every history. */
  private void bounded(Runnable wait) {
    java.util.concurrent.ExecutorService waiter =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      waiter.submit(wait).get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(
          "the wait did not end; threads:\n" + busyThreads() + "histories:\n" + histories(), e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      waiter.shutdownNow();
    }
  }

  /** The stacks of the threads that run this project's code (activities), for a diagnosis. */
  private static String busyThreads() {
    StringBuilder out = new StringBuilder();
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              if (java.util.Arrays.stream(stack)
                  .anyMatch(
                      frame ->
                          frame.getClassName().startsWith("dev.firmament")
                              && !frame.getClassName().endsWith("RolloutWorkflowTest"))) {
                out.append(thread.getName()).append('\n');
                for (StackTraceElement frame : stack) {
                  out.append("  at ").append(frame).append('\n');
                }
              }
            });
    return out.toString();
  }

  private String histories() {
    StringBuilder out = new StringBuilder();
    for (String id :
        List.of(
            TaskQueues.rolloutWorkflowId(JOB),
            TaskQueues.rolloutWorkflowId(JOB) + "/stage/0",
            TaskQueues.rolloutWorkflowId(JOB) + "/stage/1")) {
      try {
        for (List<HistoryEvent> run : runs(id)) {
          out.append("== ").append(id).append('\n');
          for (HistoryEvent event : run) {
            out.append(event.getEventId())
                .append(' ')
                .append(event.getEventType())
                .append(' ')
                .append(brief(event))
                .append('\n');
          }
        }
      } catch (RuntimeException e) {
        out.append("== ").append(id).append(": ").append(e).append('\n');
      }
    }
    return out.toString();
  }

  private static String brief(HistoryEvent event) {
    String text = event.toString().replaceAll("\\s+", " ");
    return text.length() > 400 ? text.substring(0, 400) : text;
  }

  /**
   * The time from a signal to the workflow's completion, by the server's clock as its history
   * records it. (The environment's clock is no measure after the result: the test server may skip
   * ahead once nothing is running.)
   */
  private Duration fromSignalToEnd(WorkflowStub stub, String signal) {
    List<HistoryEvent> events =
        client.fetchHistory(stub.getExecution().getWorkflowId()).getEvents();
    HistoryEvent signaled =
        events.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
            .filter(
                e -> e.getWorkflowExecutionSignaledEventAttributes().getSignalName().equals(signal))
            .findFirst()
            .orElseThrow();
    HistoryEvent completed = events.getLast();
    assertThat(completed.getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    return Duration.ofSeconds(
        completed.getEventTime().getSeconds() - signaled.getEventTime().getSeconds());
  }

  @Test
  void approvalBeforeStartAndBeforeAStageHoldsTheRollout() {
    FakeFleet fleet = fleet(4);
    RolloutPlan plan =
        new RolloutPlan(
            List.of(
                stage("first", StageSelection.count(2), null),
                new StagePlan(
                    "second",
                    StageSelection.percent(100),
                    2,
                    null,
                    Duration.ZERO,
                    null,
                    AdvanceMode.APPROVAL)),
            null,
            null,
            null,
            true);
    WorkflowStub stub = start(fleet, request(plan));
    RolloutWorkflow rollout = typed(stub);

    env.sleep(Duration.ofDays(1));
    assertThat(rollout.progress().status()).isEqualTo(RolloutStatus.WAITING_APPROVAL);
    assertThat(fleet.deliveries).isEmpty();
    rollout.approve();
    env.sleep(Duration.ofHours(1));
    assertThat(rollout.progress().status()).isEqualTo(RolloutStatus.WAITING_APPROVAL);
    assertThat(fleet.deliveries).hasSize(2);
    rollout.approve();

    RolloutProgress result = stub.getResult(RolloutProgress.class);
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(fleet.deliveries).hasSize(4);
  }

  @Test
  void aScheduledStartWaitsForItsTime() {
    FakeFleet fleet = fleet(2);
    fleet.clock = env::currentTimeMillis;
    long startAt = env.currentTimeMillis() + Duration.ofHours(6).toMillis();
    RolloutPlan plan =
        new RolloutPlan(
            List.of(StagePlan.everything(2)), null, null, Instant.ofEpochMilli(startAt), false);

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(fleet.deliveryTimes).allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(startAt));
  }

  @Test
  void noDeviceStartsOutsideTheMaintenanceWindow() {
    FakeFleet fleet = fleet(3);
    fleet.clock = env::currentTimeMillis;
    long opens = env.currentTimeMillis() + Duration.ofHours(3).toMillis();
    long closes = opens + Duration.ofHours(1).toMillis();
    fleet.windows =
        at ->
            at < opens
                ? new WindowState(false, opens, closes)
                : new WindowState(true, opens, closes);
    RolloutPlan plan =
        new RolloutPlan(
            List.of(StagePlan.everything(1)),
            null,
            new MaintenanceWindow("0 0 3 * * *", Duration.ofHours(1), "UTC"),
            null,
            false);

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(fleet.deliveryTimes)
        .hasSize(3)
        .allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(opens).isLessThan(closes));
  }

  @Test
  void promoteSkipsTheSoak() {
    FakeFleet fleet = fleet(2);
    RolloutPlan plan =
        plan(
            new StagePlan(
                "soaked",
                StageSelection.percent(100),
                2,
                null,
                Duration.ofDays(7),
                null,
                AdvanceMode.AUTOMATIC));
    WorkflowStub stub = start(fleet, request(plan));
    env.sleep(Duration.ofMinutes(5));
    assertThat(typed(stub).progress().stages().getFirst().status()).isEqualTo(StageStatus.SOAKING);

    typed(stub).promote();
    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(fromSignalToEnd(stub, "promote")).isLessThan(Duration.ofDays(1));
  }

  @Test
  void devicesThatFailTheHealthCheckAfterTheSoakBreachTheGate() {
    FakeFleet fleet = fleet(4);
    fleet.unhealthy.addAll(Set.of("dev-000", "dev-001"));
    GatePlan gate = new GatePlan(null, 1.0, 0, 0.9, BreachAction.ABORT);
    RolloutPlan plan =
        plan(
            new StagePlan(
                "soaked",
                StageSelection.percent(100),
                4,
                null,
                Duration.ofHours(1),
                gate,
                AdvanceMode.AUTOMATIC));

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(result.stages().getFirst().counters().unhealthy()).isEqualTo(2);
  }

  private static RolloutPlan healthGated(HealthPlan health, BreachAction action) {
    GatePlan gate = new GatePlan(null, 1.0, 0, 0, action, health);
    return plan(
        new StagePlan(
            "canary",
            StageSelection.count(4),
            4,
            null,
            Duration.ofMinutes(30),
            gate,
            AdvanceMode.AUTOMATIC),
        new StagePlan(
            "rest",
            StageSelection.percent(100),
            4,
            null,
            Duration.ZERO,
            null,
            AdvanceMode.AUTOMATIC));
  }

  private static HealthPlan resets(double maxExcess) {
    return new HealthPlan(2, 0, null, 0, maxExcess, 2, Duration.ofMinutes(5));
  }

  @Test
  void updatedDevicesUnhealthyBeyondTheNotYetUpdatedPauseTheSoakingStageUntilResumed() {
    FakeFleet fleet = fleet(10);
    // Half of the canaries crash once updated; one device not yet updated crashes anyway.
    fleet.sick.addAll(Set.of(canaries(fleet).get(0), canaries(fleet).get(1)));
    String alreadySick =
        fleet.targets.stream()
            .filter(id -> !canaries(fleet).contains(id))
            .findFirst()
            .orElseThrow();
    fleet.sick.add(alreadySick);
    WorkflowStub stub = start(fleet, request(healthGated(resets(0.1), BreachAction.PAUSE)));

    env.sleep(Duration.ofMinutes(10));
    RolloutWorkflow rollout = typed(stub);
    assertThat(rollout.progress().status()).isEqualTo(RolloutStatus.PAUSED);
    assertThat(rollout.progress().stages().getFirst().status()).isEqualTo(StageStatus.PAUSED);
    HealthReport breached = fleet.healthReports.getLast();
    assertThat(breached.updated()).isEqualTo(4);
    assertThat(breached.updatedUnhealthy()).isEqualTo(2);
    assertThat(breached.control()).isEqualTo(6);
    assertThat(breached.controlUnhealthy()).isEqualTo(1);
    assertThat(fleet.details.getLast())
        .startsWith("paused: health gate breached in stage canary: 2 of 4");
    assertThat(fleet.breaches)
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.gate()).isEqualTo("HEALTH");
              assertThat(b.action()).isEqualTo(BreachAction.PAUSE);
              assertThat(b.detail()).startsWith("2 of 4");
            });
    // The next stage does not start while paused.
    int delivered = fleet.deliveries.size();
    env.sleep(Duration.ofHours(1));
    assertThat(fleet.deliveries).hasSize(delivered);
    int judged = fleet.healthReports.size();

    rollout.resume();
    RolloutProgress result = stub.getResult(RolloutProgress.class);
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(10);
    // Resumed: the operator accepted the stage's health; it is not judged again.
    assertThat(fleet.healthReports).hasSize(judged);
    assertThat(fleet.details.getLast()).isEqualTo("null");
  }

  @Test
  void aHealthBreachWithAbortEndsTheRolloutWithTheReason() {
    FakeFleet fleet = fleet(10);
    fleet.sick.addAll(canaries(fleet).subList(0, 3));
    RolloutProgress result = run(fleet, request(healthGated(resets(0.5), BreachAction.ABORT)));
    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(fleet.stopReason).contains("health gate breached in stage canary: 3 of 4");
    assertThat(fleet.deliveries).hasSize(4);
    assertThat(fleet.breaches)
        .extracting(GateBreach::gate, GateBreach::action)
        .containsExactly(tuple("HEALTH", BreachAction.ABORT));
  }

  @Test
  void unhealthyUpdatedDevicesWithinTheExcessOverTheBaselineHold() {
    FakeFleet fleet = fleet(8);
    // One of four canaries (25 %) against two of four not updated (50 %): no breach.
    fleet.sick.add(canaries(fleet).getFirst());
    fleet.sick.addAll(
        fleet.targets.stream().filter(id -> !canaries(fleet).contains(id)).limit(2).toList());
    RolloutProgress result = run(fleet, request(healthGated(resets(0.0), BreachAction.ABORT)));
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    // Judged every five minutes of the 30-minute soak, the last at its end.
    assertThat(fleet.healthReports).hasSize(6);
  }

  @Test
  void aHealthGateNeedsASoakAndASignal() {
    GatePlan gate = new GatePlan(null, 1.0, 0, 0, BreachAction.PAUSE, resets(0.1));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new StagePlan("x", StageSelection.percent(100), 1, null, Duration.ZERO, gate, null))
        .hasMessageContaining("needs a soak");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new HealthPlan(0, 0, null, 0, 0.1, 1, null))
        .hasMessageContaining("needs a signal");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new HealthPlan(0, 0, "bad name", 1, 0.1, 1, null))
        .hasMessageContaining("diagnostic must be");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new HealthPlan(1, 0, null, 0, 0.1, 1, Duration.ofMillis(10)))
        .hasMessageContaining("checkEvery");
  }

  /** The four devices the canary stage (count 4) takes, in the fleet's assignment order. */
  private static List<String> canaries(FakeFleet fleet) {
    return fleet.targets.stream().sorted(FakeFleet.SAMPLING_ORDER).limit(4).toList();
  }

  @Test
  void cancelLeavesDevicesAsTheyAre() {
    FakeFleet fleet = fleet(4);
    WorkflowStub stub = start(fleet, request(twoStagesSecondApproved()));
    env.sleep(Duration.ofHours(1));
    typed(stub).cancel(false);

    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.CANCELED);
    assertThat(fleet.deliveries).hasSize(2).noneMatch(d -> d.contains(":rollback"));
  }

  @Test
  void cancelWithRollbackRestoresTheChangedDevices() {
    FakeFleet fleet = fleet(4);
    WorkflowStub stub = start(fleet, request(twoStagesSecondApproved()));
    env.sleep(Duration.ofHours(1));
    typed(stub).cancel(true);

    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    assertThat(fleet.deliveries.stream().filter(d -> d.contains(":rollback"))).hasSize(2);
  }

  @Test
  void abortStopsAWaitingRollout() {
    FakeFleet fleet = fleet(4);
    WorkflowStub stub = start(fleet, request(twoStagesSecondApproved()));
    env.sleep(Duration.ofHours(1));
    typed(stub).abort("firmware invalidated");

    RolloutProgress result = stub.getResult(RolloutProgress.class);

    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(fleet.finalStatus).isEqualTo(RolloutStatus.ABORTED);
  }

  @Test
  void retryFailedRequeuesAPausedStagesFailures() {
    FakeFleet fleet = fleet(5);
    fleet.answer("dev-000", new Answer(DeviceUpdateState.FAILED, "X"), FakeFleet.SUCCESS);
    GatePlan gate = new GatePlan(null, 0.0, 1, 0, BreachAction.PAUSE);
    WorkflowStub stub =
        start(fleet, request(plan(stage("only", StageSelection.percent(100), gate, 1))));

    RolloutProgress result = retryFailedOncePaused(stub);

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(5);
    // The requeued device goes on from its stored attempt.
    assertThat(fleet.deliveries.stream().filter(d -> d.startsWith("dev-000")))
        .containsExactly("dev-000#1", "dev-000#2");
  }

  @Test
  void retryFailedAlsoRetriesTheFailuresOfEarlierStages() {
    FakeFleet fleet = fleet(4);
    Answer broken = new Answer(DeviceUpdateState.FAILED, "X");
    for (int i = 0; i < 4; i++) {
      fleet.answer("dev-00" + i, broken, FakeFleet.SUCCESS);
    }
    // The first stage's gate waits for both of its answers: with a sample of one it could advance
    // on its first answer and hand its straggler over to the second stage, which would count it.
    GatePlan tolerant = new GatePlan(null, 1.0, 2, 0, BreachAction.PAUSE);
    GatePlan strict = new GatePlan(null, 0.0, 1, 0, BreachAction.PAUSE);
    WorkflowStub stub =
        start(
            fleet,
            request(
                plan(
                    stage("first", StageSelection.count(2), tolerant, 1),
                    stage("rest", StageSelection.percent(100), strict, 1))));
    bounded(() -> env.sleep(Duration.ofHours(1)));
    RolloutProgress paused = typed(stub).progress();
    assertThat(paused.currentStage()).isEqualTo(1);
    assertThat(paused.stages().getFirst().status()).isEqualTo(StageStatus.SUCCEEDED);
    assertThat(paused.stages().getFirst().counters().failed()).isEqualTo(2);

    RolloutProgress result = retryFailedOncePaused(stub);

    // The first stage's two failures were retried in the second stage, with their second attempt,
    // and every device counts once: the first stage now holds none of them.
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(4);
    assertThat(result.failed()).isZero();
    assertThat(result.stages().getFirst().status()).isEqualTo(StageStatus.SUCCEEDED);
    assertThat(result.stages().getFirst().counters().assigned()).isZero();
    assertThat(result.stages().get(1).counters().assigned()).isEqualTo(4);
    assertThat(fleet.deliveries)
        .containsExactlyInAnyOrder(
            "dev-000#1",
            "dev-001#1",
            "dev-002#1",
            "dev-003#1",
            "dev-000#2",
            "dev-001#2",
            "dev-002#2",
            "dev-003#2");
  }

  @Test
  void aDeviceRequeuedByTheOperatorKeepsItsRetryPolicyAttempts() {
    FakeFleet fleet = fleet(3);
    Answer transient_ = new Answer(DeviceUpdateState.FAILED, "DOWNLOAD_INTERRUPTED");
    fleet.answer(
        "dev-000",
        new Answer(DeviceUpdateState.FAILED, "HASH_MISMATCH"),
        transient_,
        FakeFleet.SUCCESS);
    RetryPolicy retry =
        new RetryPolicy(
            3,
            Duration.ofMinutes(1),
            2.0,
            Duration.ofMinutes(5),
            0.0,
            Set.of("DOWNLOAD_INTERRUPTED"));
    GatePlan gate = new GatePlan(null, 0.0, 1, 0, BreachAction.PAUSE);
    RolloutPlan plan =
        new RolloutPlan(
            List.of(stage("only", StageSelection.percent(100), gate, 1)), retry, null, null, false);
    WorkflowStub stub = start(fleet, new RolloutRequest(JOB, 4, SILENT_TIMEOUT, 7, plan));

    RolloutProgress result = retryFailedOncePaused(stub);

    // Attempt 1 failed for good; the operator's retry is attempt 2, its transient failure is
    // retried by the policy as attempt 3, which is the last one the policy allows.
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(fleet.deliveries.stream().filter(d -> d.startsWith("dev-000")))
        .containsExactly("dev-000#1", "dev-000#2", "dev-000#3");
  }

  @Test
  void devicesThatJoinDuringTheRolloutAreIncludedInLaterStages() {
    FakeFleet fleet =
        new FakeFleet(devices(4)) {
          @Override
          public DeviceUpdateOutcome updateDevice(DeviceUpdateRequest request) {
            join();
            return super.updateDevice(request);
          }

          @Override
          public SliceOutcome deliverSlice(DeliverySlice slice) {
            for (int i = 0; i < slice.deviceIds().size(); i++) {
              join();
            }
            return super.deliverSlice(slice);
          }

          private void join() {
            if (targets.size() < 6) {
              targets.add("late-" + targets.size());
            }
          }
        };
    RolloutPlan plan =
        plan(
            stage("first", StageSelection.count(1), null),
            stage("rest", StageSelection.percent(100), null));

    RolloutProgress result = run(fleet, request(plan));

    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(fleet.deliveries).contains("late-4#1", "late-5#1").hasSize(6);
  }

  @Test
  void theRateRampSpacesStartsAndSpeedsUp() {
    FakeFleet fleet = fleet(8);
    fleet.clock = env::currentTimeMillis;
    RolloutPlan plan =
        plan(
            new StagePlan(
                "ramped",
                StageSelection.percent(100),
                8,
                new RatePlan(60, 2.0, 2, 240),
                Duration.ZERO,
                null,
                AdvanceMode.AUTOMATIC));

    run(fleet, request(plan));

    List<Long> times = fleet.deliveryTimes.stream().sorted().toList();
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add(times.get(i) - times.get(i - 1));
    }
    // 60 a minute doubling every two starts up to 240: gaps of 1000, 1000, 500, 500, then 250 ms.
    // The activity reads the clock when it runs, after the workflow's timer fired, so on a loaded
    // machine one start's reading can lag the next one's by tens of milliseconds: 50 ms of slack.
    assertThat(gaps.getFirst()).isGreaterThanOrEqualTo(950);
    assertThat(gaps).allSatisfy(g -> assertThat(g).isGreaterThanOrEqualTo(200));
    assertThat(gaps.getLast()).isLessThan(gaps.getFirst());
  }

  @Test
  void historyPerStageRunStaysBoundedByThePageSize() {
    int devices = 400;
    int pageSize = 25;
    FakeFleet fleet = fleet(devices);
    RolloutRequest request = new RolloutRequest(JOB, 10, TIMEOUT, pageSize);

    RolloutProgress result = run(fleet, request);
    assertThat(result.succeeded()).isEqualTo(devices);

    List<HistoryEvent> parent = history(TaskQueues.rolloutWorkflowId(JOB), null);
    String firstRun =
        parent.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
            .findFirst()
            .orElseThrow()
            .getChildWorkflowExecutionStartedEventAttributes()
            .getWorkflowExecution()
            .getRunId();
    int runs = 0;
    int events = parent.size();
    int largestRun = 0;
    String runId = firstRun;
    while (runId != null) {
      List<HistoryEvent> run = history(TaskQueues.stageWorkflowId(JOB, 0), runId);
      runs++;
      events += run.size();
      largestRun = Math.max(largestRun, run.size());
      HistoryEvent last = run.getLast();
      runId =
          last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
              ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
              : null;
    }
    assertThat(runs).isEqualTo(devices / pageSize + 1);
    // A run holds one page: about six events per device plus a constant.
    assertThat(largestRun).isLessThanOrEqualTo(pageSize * 8 + 60);
    assertThat((double) events / devices).isLessThan(10.0);
    assertThat(parent.size()).isLessThan(devices);
  }

  private List<HistoryEvent> history(String workflowId, String runId) {
    return client.fetchHistory(workflowId, runId).getEvents();
  }

  private RolloutPlan twoStagesSecondApproved() {
    return plan(
        stage("first", StageSelection.count(2), null),
        new StagePlan(
            "second",
            StageSelection.percent(100),
            2,
            null,
            Duration.ZERO,
            null,
            AdvanceMode.APPROVAL));
  }

  private static void failing(FakeFleet fleet, int... indexes) {
    for (int i : indexes) {
      fleet.answer(String.format("dev-%03d", i), new Answer(DeviceUpdateState.FAILED, "BOOM"));
    }
  }

  private static RolloutPlan plan(StagePlan... stages) {
    return new RolloutPlan(List.of(stages), null, null, null, false);
  }

  private static StagePlan stage(String name, StageSelection selection, GatePlan gate) {
    return stage(name, selection, gate, 4);
  }

  private static StagePlan stage(
      String name, StageSelection selection, GatePlan gate, int maxInFlight) {
    return new StagePlan(
        name, selection, maxInFlight, null, Duration.ZERO, gate, AdvanceMode.AUTOMATIC);
  }

  private static RolloutRequest request(RolloutPlan plan) {
    return new RolloutRequest(JOB, 4, TIMEOUT, 7, plan);
  }

  FakeFleet fleet(int count) {
    return new FakeFleet(devices(count));
  }

  private static List<String> devices(int count) {
    return IntStream.range(0, count).mapToObj(i -> String.format("dev-%03d", i)).toList();
  }

  RolloutProgress run(FakeFleet fleet, RolloutRequest request) {
    return start(fleet, request).getResult(RolloutProgress.class);
  }

  /**
   * How many devices' first offers one delivery activity starts in these tests: every test runs
   * with one activity per device here and with slices in {@link SlicedRolloutWorkflowTest}.
   */
  int deliverySlice() {
    return 0;
  }

  /** Set by a test whose request must run exactly as written, also in the sliced variant. */
  private boolean asRequested;

  WorkflowStub start(FakeFleet fleet, RolloutRequest request) {
    if (deliverySlice() > 1 && request.deliverySlice() == 0 && !asRequested) {
      // Slices need re-adoption; an hour's heartbeat never times out here, where nobody beats.
      request =
          (request.deliveryHeartbeat() == null
                  ? request.withDeliveryHeartbeat(Duration.ofHours(1))
                  : request)
              .withDeliverySlice(deliverySlice());
    }
    Worker rollout = env.newWorker(TaskQueues.ROLLOUT);
    rollout.registerWorkflowImplementationTypes(RolloutWorkflowImpl.class, StageWorkflowImpl.class);
    rollout.registerActivitiesImplementations((RolloutActivities) fleet);
    Worker delivery = env.newWorker(TaskQueues.DELIVERY);
    delivery.registerActivitiesImplementations((DeviceUpdateActivities) fleet);
    fleet.completeThrough(client.newActivityCompletionClient(), this::giveBackTimeSkipping);
    fleet.reportThrough(client);
    env.start();
    RolloutWorkflow workflow =
        client.newWorkflowStub(
            RolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.ROLLOUT)
                .setWorkflowId(TaskQueues.rolloutWorkflowId(request.jobId()))
                .build());
    WorkflowClient.start(workflow::run, request);
    return WorkflowStub.fromTyped(workflow);
  }

  /**
   * Gives back the time-skipping lock the test server took for an activity whose completion it then
   * refused (its run had continued as new): without it, time no longer skips in this test.
   */
  private synchronized void giveBackTimeSkipping() {
    if (testService == null) {
      testService =
          TestServiceStubs.newServiceStubs(
              TestServiceStubsOptions.newBuilder()
                  .setChannel(env.getWorkflowServiceStubs().getRawChannel())
                  .validateAndBuildWithDefaults());
    }
    try {
      testService.blockingStub().unlockTimeSkipping(UnlockTimeSkippingRequest.getDefaultInstance());
    } catch (io.grpc.StatusRuntimeException e) {
      // The server had given the lock back itself (the activity had timed out): nothing to return.
    }
  }

  RolloutWorkflow typed(WorkflowStub stub) {
    return client.newWorkflowStub(RolloutWorkflow.class, stub.getExecution().getWorkflowId());
  }
}
