package dev.firmament.orchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded histories of the rollout and stage workflows against the current code: a change
 * that would break a running rollout fails here, and must go behind {@code Workflow.getVersion}.
 *
 * <p>The histories in {@code src/test/resources/histories} were recorded with {@code ./mvnw -pl
 * orchestrator verify -Dtest=RolloutReplayTest -Dfirmament.recordHistories=true}; record new ones
 * for new behaviour, never rewrite old ones.
 */
class RolloutReplayTest {
  private static final Path HISTORIES = Path.of("src/test/resources/histories");

  static Stream<Path> histories() throws IOException {
    try (Stream<Path> files = Files.list(HISTORIES)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("histories")
  void recordedHistoriesReplay(Path file) throws Exception {
    WorkflowExecutionHistory history =
        WorkflowExecutionHistory.fromJson(Files.readString(file, StandardCharsets.UTF_8));
    if (file.getFileName().toString().startsWith("stage-")) {
      WorkflowReplayer.replayWorkflowExecution(history, StageWorkflowImpl.class);
    } else {
      WorkflowReplayer.replayWorkflowExecution(history, RolloutWorkflowImpl.class);
    }
  }

  @Test
  void everyWorkflowHasRecordedHistories() throws IOException {
    List<String> names = histories().map(p -> p.getFileName().toString()).toList();
    assertThat(names).anyMatch(n -> n.startsWith("rollout-")).anyMatch(n -> n.startsWith("stage-"));
  }

  /** Records the histories: run only on purpose (see the class comment). */
  @Test
  @EnabledIfSystemProperty(named = "firmament.recordHistories", matches = "true")
  void record() throws IOException {
    Files.createDirectories(HISTORIES);
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
    Files.createDirectories(HISTORIES);
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

  /** Runs the workflows and the fake fleet's activities on the environment's workers. */
  private static WorkflowClient start(TestWorkflowEnvironment env, FakeFleet fleet) {
    Worker rollout = env.newWorker(TaskQueues.ROLLOUT);
    rollout.registerWorkflowImplementationTypes(RolloutWorkflowImpl.class, StageWorkflowImpl.class);
    rollout.registerActivitiesImplementations((RolloutActivities) fleet);
    Worker delivery = env.newWorker(TaskQueues.DELIVERY);
    delivery.registerActivitiesImplementations((DeviceUpdateActivities) fleet);
    env.start();
    return env.getWorkflowClient();
  }

  private static void write(String name, WorkflowExecutionHistory history) throws IOException {
    Files.writeString(HISTORIES.resolve(name), history.toJson(true), StandardCharsets.UTF_8);
  }
}
