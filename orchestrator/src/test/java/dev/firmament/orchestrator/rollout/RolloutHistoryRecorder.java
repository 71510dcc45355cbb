package dev.firmament.orchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.replay.RecordedHistories;
import dev.firmament.orchestrator.rollout.engine.RolloutWorkflowImpl;
import dev.firmament.orchestrator.rollout.engine.StageWorkflowImpl;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Records histories of the rollout and stage workflows for {@code WorkflowReplayTest}, each
 * scenario on purpose only: {@code ./mvnw -pl orchestrator verify -Dtest=RolloutHistoryRecorder
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfirmament.recordHistories=<scenario>}. The workflows
 * run in Temporal's test environment against the in-memory {@link FakeFleet}.
 *
 * <p>Record new histories for new behaviour, never rewrite old ones (see {@link
 * RecordedHistories}).
 */
class RolloutHistoryRecorder {
  /**
   * Records the original set: a staged rollout with approval, pause, retry and rollback, and the
   * first run of each of its stages ({@code -Dfirmament.recordHistories=true}).
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "true")
  void record() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      FakeFleet fleet =
          new FakeFleet(
              IntStream.range(0, 12).mapToObj(i -> String.format("dev-%03d", i)).toList());
      fleet.groups.put("canary", java.util.Set.of("dev-002", "dev-007"));
      fleet.answer(
          "dev-004", new FakeFleet.Answer(DeviceUpdateState.FAILED, "NET"), FakeFleet.SUCCESS);
      fleet.answer("dev-009", new FakeFleet.Answer(DeviceUpdateState.REJECTED, "DOWNGRADE"));
      fleet.answer("dev-010", new FakeFleet.Answer(DeviceUpdateState.FAILED, "HASH"));
      fleet.answer("dev-011", new FakeFleet.Answer(DeviceUpdateState.FAILED, "HASH"));
      WorkflowClient client = start(env, fleet);
      RetryPolicy retry =
          new RetryPolicy(
              2, Duration.ofSeconds(30), 2, Duration.ofMinutes(1), 0.2, java.util.Set.of("NET"));
      RolloutPlan plan =
          new RolloutPlan(
              List.of(
                  new StagePlan(
                      "canary",
                      StageSelection.group("canary"),
                      2,
                      null,
                      Duration.ofHours(1),
                      null,
                      AdvanceMode.AUTOMATIC),
                  new StagePlan(
                      "wave",
                      StageSelection.percent(50),
                      3,
                      new RatePlan(60, 2, 2, 240),
                      Duration.ZERO,
                      new GatePlan(null, 0.5, 2, 0, BreachAction.PAUSE),
                      AdvanceMode.APPROVAL),
                  new StagePlan(
                      "rest",
                      StageSelection.percent(100),
                      4,
                      null,
                      Duration.ZERO,
                      new GatePlan(null, 0.0, 1, 0, BreachAction.ROLLBACK),
                      AdvanceMode.AUTOMATIC)),
              retry,
              null,
              null,
              true);
      RolloutWorkflow workflow =
          client.newWorkflowStub(
              RolloutWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(TaskQueues.ROLLOUT)
                  .setWorkflowId(TaskQueues.rolloutWorkflowId("recorded"))
                  .build());
      WorkflowClient.start(
          workflow::run, new RolloutRequest("recorded", 4, Duration.ofMinutes(5), 3, plan));
      env.sleep(Duration.ofMinutes(1));
      workflow.approve();
      env.sleep(Duration.ofHours(2));
      workflow.pause();
      workflow.approve();
      env.sleep(Duration.ofHours(1));
      workflow.resume();
      WorkflowStub.fromTyped(workflow).getResult(RolloutProgress.class);

      WorkflowExecutionHistory parent =
          client.fetchHistory(TaskQueues.rolloutWorkflowId("recorded"));
      write("rollout-staged-approval-pause-rollback.json", parent);
      int stage = 0;
      for (HistoryEvent event : parent.getEvents()) {
        if (event.getEventType() != EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
          continue;
        }
        var execution =
            event.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
        WorkflowExecutionHistory first =
            client.fetchHistory(execution.getWorkflowId(), execution.getRunId());
        write("stage-" + stage + "-first-run.json", first);
        stage++;
      }
    }
  }

  /**
   * Records a cancel that arrives while a device waits out its retry backoff (the behaviour behind
   * {@link StageWorkflowImpl#BACKOFF_ENDS_ON_STOP} version 1): run only on purpose, with {@code
   * -Dfirmament.recordHistories=cancel-in-backoff}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "cancel-in-backoff")
  void recordCancelInBackoff() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      FakeFleet fleet = new FakeFleet(List.of("dev-000", "dev-001"));
      fleet.answer(
          "dev-000", new FakeFleet.Answer(DeviceUpdateState.FAILED, "NET"), FakeFleet.SUCCESS);
      WorkflowClient client = start(env, fleet);
      RetryPolicy retry =
          new RetryPolicy(
              3, Duration.ofHours(6), 2, Duration.ofHours(6), 0, java.util.Set.of("NET"));
      RolloutPlan plan =
          new RolloutPlan(List.of(StagePlan.everything(2)), retry, null, null, false);
      RolloutWorkflow workflow =
          client.newWorkflowStub(
              RolloutWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(TaskQueues.ROLLOUT)
                  .setWorkflowId(TaskQueues.rolloutWorkflowId("cancel-in-backoff"))
                  .build());
      WorkflowClient.start(
          workflow::run,
          new RolloutRequest("cancel-in-backoff", 2, Duration.ofMinutes(5), 10, plan));
      env.sleep(Duration.ofHours(1));
      workflow.cancel(false);
      WorkflowStub.fromTyped(workflow).getResult(RolloutProgress.class);

      WorkflowExecutionHistory parent =
          client.fetchHistory(TaskQueues.rolloutWorkflowId("cancel-in-backoff"));
      write("rollout-cancel-in-backoff.json", parent);
      for (HistoryEvent event : parent.getEvents()) {
        if (event.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
          var execution =
              event.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
          write(
              "stage-cancel-in-backoff.json",
              client.fetchHistory(execution.getWorkflowId(), execution.getRunId()));
        }
      }
    }
  }

  /**
   * Records an operator's retry in a later stage that takes the failures of an earlier one (the
   * behaviour behind {@link StageWorkflowImpl#RETRY_TAKES_EARLIER_FAILURES} version 1): the first
   * stage tolerates its two failures, the second pauses on its own, and the retry sends all four
   * failed devices again. Every run of both stages is written, the retry's version marker being in
   * the second stage's paused run. Run only on purpose, with {@code
   * -Dfirmament.recordHistories=retry-takes-earlier-failures}.
   */
  @Test
  @EnabledIfSystemProperty(
      named = "firmament.recordHistories",
      matches = "retry-takes-earlier-failures")
  void recordRetryTakesEarlierFailures() throws IOException {
    FakeFleet fleet = fleet(4);
    FakeFleet.Answer broken = new FakeFleet.Answer(DeviceUpdateState.FAILED, "X");
    for (String device : fleet.targets) {
      fleet.answer(device, broken, FakeFleet.SUCCESS);
    }
    GatePlan tolerant = new GatePlan(null, 1.0, 1, 0, BreachAction.PAUSE);
    GatePlan strict = new GatePlan(null, 0.0, 1, 0, BreachAction.PAUSE);
    RolloutPlan plan =
        new RolloutPlan(
            List.of(
                new StagePlan(
                    "first",
                    StageSelection.count(2),
                    1,
                    null,
                    Duration.ZERO,
                    tolerant,
                    AdvanceMode.AUTOMATIC),
                new StagePlan(
                    "rest",
                    StageSelection.percent(100),
                    1,
                    null,
                    Duration.ZERO,
                    strict,
                    AdvanceMode.AUTOMATIC)),
            null,
            null,
            null,
            false);
    RolloutProgress result =
        recordRollout(
            "retry-takes-earlier-failures",
            fleet,
            new RolloutRequest("earlier-failures", 4, Duration.ofMinutes(5), 7, plan),
            true,
            (env, workflow) -> {
              env.sleep(Duration.ofHours(1));
              RolloutProgress paused = workflow.progress();
              assertThat(paused.status()).isEqualTo(RolloutStatus.PAUSED);
              assertThat(paused.currentStage()).isEqualTo(1);
              workflow.retryFailed();
              workflow.resume();
            });
    assertThat(result.status()).isEqualTo(RolloutStatus.SUCCEEDED);
    assertThat(result.stages().getFirst().counters().assigned()).isZero();
  }

  /**
   * Records a rollout whose first stage breaches its gate and aborts, so that the stop reason is
   * recorded (the behaviour behind {@code RolloutWorkflowImpl.STOP_REASON} version 1): run only on
   * purpose, with {@code -Dfirmament.recordHistories=stop-reason}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "stop-reason")
  void recordStopReason() throws IOException {
    FakeFleet fleet = failingCanaries();
    RolloutPlan plan = canaryThatAborts();
    RolloutProgress result =
        recordRollout(
            "stop-reason",
            fleet,
            new RolloutRequest("stop-reason", 2, Duration.ofMinutes(5), 10, plan),
            false,
            (env, workflow) -> {});
    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(fleet.stopReason).contains("gate breached");
  }

  /**
   * Records a rollout whose first stage's failure-rate gate breaches and aborts it, with the
   * stage's history, so that the breach is published (the behaviour behind {@code
   * StageWorkflowImpl.GATE_EVENT} version 1): run only on purpose, with {@code
   * -Dfirmament.recordHistories=gate-event}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "gate-event")
  void recordGateEvent() throws IOException {
    recordAbortingGate("gate-event");
  }

  /**
   * Records the same aborting gate once its breach is published among the stage's writes, which the
   * stage awaits before it ends (the behaviour behind {@code StageWorkflowImpl.GATE_EVENT_AWAITED}
   * version 1): run only on purpose, with {@code -Dfirmament.recordHistories=gate-event-awaited}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "gate-event-awaited")
  void recordGateEventAwaited() throws IOException {
    recordAbortingGate("gate-event-awaited");
  }

  /**
   * A rollout whose first stage's failure-rate gate breaches and aborts it, recorded as {@code
   * scenario}.
   */
  private void recordAbortingGate(String scenario) throws IOException {
    FakeFleet fleet = failingCanaries();
    RolloutPlan plan = canaryThatAborts();
    RolloutProgress result =
        recordRollout(
            scenario,
            fleet,
            new RolloutRequest(scenario, 2, Duration.ofMinutes(5), 10, plan),
            true,
            (env, workflow) -> {});
    assertThat(result.status()).isEqualTo(RolloutStatus.ABORTED);
    assertThat(fleet.breaches)
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.gate()).isEqualTo("FAILURE_RATE");
              assertThat(b.action()).isEqualTo(BreachAction.ABORT);
            });
  }

  /**
   * Records a rollout whose gate rolls it back in two rollback stages, the second waiting for an
   * approval (the behaviour behind {@code RolloutWorkflowImpl.STAGED_ROLLBACK} version 1): run only
   * on purpose, with {@code -Dfirmament.recordHistories=staged-rollback}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "staged-rollback")
  void recordStagedRollback() throws IOException {
    FakeFleet fleet = fleet(6);
    fleet.answer("dev-005", new FakeFleet.Answer(DeviceUpdateState.FAILED, "HASH"));
    RolloutPlan plan =
        new RolloutPlan(
                List.of(
                    new StagePlan(
                        "only",
                        StageSelection.percent(100),
                        2,
                        null,
                        Duration.ZERO,
                        new GatePlan(null, 0.1, 6, 0, BreachAction.ROLLBACK),
                        AdvanceMode.AUTOMATIC)),
                null,
                null,
                null,
                false)
            .withRollbackStages(
                List.of(
                    new StagePlan(
                        "back-first",
                        StageSelection.count(2),
                        1,
                        null,
                        Duration.ZERO,
                        null,
                        AdvanceMode.AUTOMATIC),
                    new StagePlan(
                        "back-rest",
                        StageSelection.percent(100),
                        2,
                        null,
                        Duration.ZERO,
                        null,
                        AdvanceMode.APPROVAL)));
    RolloutProgress result =
        recordRollout(
            "staged-rollback",
            fleet,
            new RolloutRequest("staged-rollback", 2, Duration.ofMinutes(5), 10, plan),
            false,
            (env, workflow) -> {
              env.sleep(Duration.ofHours(1));
              workflow.approve();
            });
    assertThat(result.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    assertThat(fleet.rollbackStages).containsExactlyInAnyOrder(1, 2);
  }

  /**
   * Records a stage whose runs hand a silent device over to the next run instead of draining their
   * page (the behaviour behind {@code StageWorkflowImpl.SLIDING_WINDOW} version 1), the rollout and
   * every run of its stage: run only on purpose, with {@code
   * -Dfirmament.recordHistories=sliding-window}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "sliding-window")
  void recordSlidingWindow() throws IOException {
    FakeFleet fleet = fleet(9).answer("dev-004", FakeFleet.SILENT);
    RolloutProgress result =
        recordRollout(
            "sliding-window",
            fleet,
            new RolloutRequest(
                "sliding-window", 20, Duration.ofSeconds(1), 3, RolloutPlan.singleStage(20)),
            true,
            (env, workflow) -> {});
    assertThat(result.timedOut()).isEqualTo(1);
    assertThat(fleet.resumed).isNotEmpty();
  }

  /**
   * Records a stage whose last page, shorter than a page, is served to its end by the run that
   * listed it (the behaviour behind {@code StageWorkflowImpl.LAST_PAGE_IN_RUN} version 1), the
   * rollout and every run of its stage: run only on purpose, with {@code
   * -Dfirmament.recordHistories=last-page-in-run}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "last-page-in-run")
  void recordLastPageInRun() throws IOException {
    FakeFleet fleet = fleet(5);
    fleet.delayMillis = 50;
    RolloutProgress result =
        recordRollout(
            "last-page-in-run",
            fleet,
            new RolloutRequest(
                "last-page-in-run", 2, Duration.ofMinutes(5), 3, RolloutPlan.singleStage(2)),
            true,
            (env, workflow) -> {});
    assertThat(result.succeeded()).isEqualTo(5);
  }

  /**
   * Records a rollout with an expiry: one device is offline when its turn comes, waits, is offered
   * when it connects, and another stays offline until the rollout expires; the rollout and every
   * run of its stages. Run only on purpose, with {@code
   * -Dfirmament.recordHistories=offline-devices}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "offline-devices")
  void recordOfflineDevices() throws IOException {
    FakeFleet fleet = fleet(5);
    fleet.offline.addAll(List.of("dev-001", "dev-003"));
    RolloutProgress result =
        recordRollout(
            "offline-devices",
            fleet,
            new RolloutRequest(
                "offline-devices",
                2,
                Duration.ofMinutes(5),
                10,
                RolloutPlan.singleStage(2).withExpiry(Duration.ofHours(1))),
            true,
            (env, workflow) -> {
              env.sleep(Duration.ofMinutes(5));
              fleet.offline.remove("dev-001");
              workflow.devicesOnline();
            });
    assertThat(result.succeeded()).isEqualTo(4);
    assertThat(result.timedOut()).isEqualTo(1);
  }

  /**
   * Records a two-stage rollout whose first stage advances on the answers so far and hands its
   * straggler to the second (the behaviour behind {@code StageWorkflowImpl.ADVANCE_ON_EVIDENCE}
   * version 1), the rollout and every run of its stages. Run only on purpose, with {@code
   * -Dfirmament.recordHistories=advance-on-evidence}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "advance-on-evidence")
  void recordAdvanceOnEvidence() throws IOException {
    FakeFleet fleet = fleet(8);
    fleet.slowMillis.put(
        fleet.targets.stream().sorted(FakeFleet.SAMPLING_ORDER).findFirst().get(), 2_000L);
    RolloutPlan plan =
        new RolloutPlan(
            List.of(
                new StagePlan(
                    "first",
                    StageSelection.count(4),
                    10,
                    null,
                    Duration.ZERO,
                    null,
                    AdvanceMode.AUTOMATIC),
                StagePlan.everything(10)),
            null,
            null,
            null,
            false);
    RolloutProgress result =
        recordRollout(
            "advance-on-evidence",
            fleet,
            new RolloutRequest("advance-on-evidence", 10, Duration.ofMinutes(5), 10, plan),
            true,
            (env, workflow) -> {});
    assertThat(result.succeeded()).isEqualTo(8);
    assertThat(fleet.resumed).isNotEmpty();
  }

  /**
   * Records a rollout in which one device's final report wins the race with its delivery's timeout
   * and is counted as stored (the behaviour behind {@code StageWorkflowImpl.SETTLE_UNREPORTED}
   * version 1). Run only on purpose, with {@code -Dfirmament.recordHistories=settle-unreported}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "settle-unreported")
  void recordSettleUnreported() throws IOException {
    FakeFleet fleet = fleet(3).answer("dev-001", FakeFleet.LOST_REPORT);
    RolloutProgress result =
        recordRollout(
            "settle-unreported",
            fleet,
            new RolloutRequest(
                "settle-unreported", 10, Duration.ofSeconds(1), 10, RolloutPlan.singleStage(10)),
            true,
            (env, workflow) -> {});
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(fleet.unreported).containsExactly("dev-001:TIMED_OUT");
  }

  /**
   * Records a rollout whose offline-devices stage starts after the expiry and offers the waiting
   * device that connected meanwhile before the other expires (the behaviour behind {@code
   * StageWorkflowImpl.SERVE_BEFORE_EXPIRY} version 1). Run only on purpose, with {@code
   * -Dfirmament.recordHistories=serve-before-expiry}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "serve-before-expiry")
  void recordServeBeforeExpiry() throws IOException {
    FakeFleet fleet = fleet(4);
    fleet.offline.addAll(List.of("dev-001", "dev-002"));
    RolloutPlan plan =
        new RolloutPlan(
                List.of(
                    new StagePlan(
                        "only",
                        StageSelection.percent(100),
                        4,
                        null,
                        Duration.ofMinutes(30),
                        null,
                        AdvanceMode.AUTOMATIC)),
                null,
                null,
                null,
                false)
            .withExpiry(Duration.ofMinutes(10));
    RolloutProgress result =
        recordRollout(
            "serve-before-expiry",
            fleet,
            new RolloutRequest("serve-before-expiry", 4, Duration.ofMinutes(5), 10, plan),
            true,
            (env, workflow) -> {
              env.sleep(Duration.ofMinutes(5));
              fleet.offline.remove("dev-001");
            });
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(result.timedOut()).isEqualTo(1);
  }

  /**
   * Records a rollout whose stages offer their devices in slices (batched delivery: {@code
   * deliverySlice} 3, reports by signal): a failed device retried on its own, and an offline device
   * that waits and is offered when it connects. Run only on purpose, with {@code
   * -Dfirmament.recordHistories=delivery-slices}.
   */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "delivery-slices")
  void recordDeliverySlices() throws IOException {
    FakeFleet fleet =
        fleet(8)
            .answer(
                "dev-004",
                new FakeFleet.Answer(DeviceUpdateState.FAILED, "NET"),
                FakeFleet.SUCCESS);
    fleet.offline.add("dev-006");
    RetryPolicy retry =
        new RetryPolicy(
            2, Duration.ofSeconds(30), 2, Duration.ofMinutes(1), 0, java.util.Set.of("NET"));
    RolloutPlan plan =
        new RolloutPlan(
                List.of(
                    new StagePlan(
                        "canary",
                        StageSelection.count(3),
                        3,
                        null,
                        Duration.ZERO,
                        null,
                        AdvanceMode.AUTOMATIC),
                    StagePlan.everything(4)),
                retry,
                null,
                null,
                false)
            .withExpiry(Duration.ofHours(1));
    RolloutProgress result =
        recordRollout(
            "delivery-slices",
            fleet,
            new RolloutRequest("delivery-slices", 4, Duration.ofMinutes(5), 10, plan)
                .withDeliveryHeartbeat(Duration.ofHours(1))
                .withDeliverySlice(3),
            true,
            (env, workflow) -> {
              env.sleep(Duration.ofMinutes(5));
              fleet.offline.remove("dev-006");
              workflow.devicesOnline();
            });
    assertThat(result.succeeded()).isEqualTo(8);
    assertThat(fleet.sliceSizes).isNotEmpty();
  }

  /** What a scenario does while its rollout runs (sleeps, signals, devices connecting). */
  private interface Meanwhile {
    void run(TestWorkflowEnvironment env, RolloutWorkflow workflow);
  }

  /**
   * Runs one rollout to its end in a fresh test environment, then writes its history as {@code
   * rollout-NAME.json} and, with {@code children}, every run of its stages as {@code stage-NAME-…}.
   */
  private static RolloutProgress recordRollout(
      String name, FakeFleet fleet, RolloutRequest request, boolean children, Meanwhile meanwhile)
      throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      WorkflowClient client = start(env, fleet);
      RolloutWorkflow workflow =
          client.newWorkflowStub(
              RolloutWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(TaskQueues.ROLLOUT)
                  .setWorkflowId(TaskQueues.rolloutWorkflowId(request.jobId()))
                  .build());
      WorkflowClient.start(workflow::run, request);
      meanwhile.run(env, workflow);
      RolloutProgress result = WorkflowStub.fromTyped(workflow).getResult(RolloutProgress.class);
      var parent = client.fetchHistory(TaskQueues.rolloutWorkflowId(request.jobId()));
      write("rollout-" + name + ".json", parent);
      if (children) {
        RecordedHistories.writeChildren(client, parent, "stage-" + name);
      }
      return result;
    }
  }

  /** Four devices, the first two of which fail their update. */
  private static FakeFleet failingCanaries() {
    FakeFleet fleet = fleet(4);
    fleet.answer("dev-000", new FakeFleet.Answer(DeviceUpdateState.FAILED, "HASH"));
    fleet.answer("dev-001", new FakeFleet.Answer(DeviceUpdateState.FAILED, "HASH"));
    return fleet;
  }

  /** A canary of two, one at a time, whose gate aborts at the first failure; then the rest. */
  private static RolloutPlan canaryThatAborts() {
    return new RolloutPlan(
        List.of(
            new StagePlan(
                "canary",
                StageSelection.count(2),
                1,
                null,
                Duration.ZERO,
                new GatePlan(null, 0.0, 1, 0, BreachAction.ABORT),
                AdvanceMode.AUTOMATIC),
            StagePlan.everything(2)),
        null,
        null,
        null,
        false);
  }

  private static FakeFleet fleet(int devices) {
    return new FakeFleet(
        IntStream.range(0, devices).mapToObj(i -> String.format("dev-%03d", i)).toList());
  }

  /** Runs the workflows and the fake fleet's activities on the environment's workers. */
  private static WorkflowClient start(TestWorkflowEnvironment env, FakeFleet fleet) {
    Worker rollout = env.newWorker(TaskQueues.ROLLOUT);
    rollout.registerWorkflowImplementationTypes(RolloutWorkflowImpl.class, StageWorkflowImpl.class);
    rollout.registerActivitiesImplementations((RolloutActivities) fleet);
    Worker delivery = env.newWorker(TaskQueues.DELIVERY);
    delivery.registerActivitiesImplementations((DeviceUpdateActivities) fleet);
    fleet.reportThrough(env.getWorkflowClient());
    fleet.completeThrough(env.getWorkflowClient().newActivityCompletionClient(), () -> {});
    env.start();
    return env.getWorkflowClient();
  }

  private static void write(String name, WorkflowExecutionHistory history) throws IOException {
    RecordedHistories.write(name, history);
  }
}
