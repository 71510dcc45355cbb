package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;

import dev.firmament.orchestrator.rollout.StageProgress;
import dev.firmament.orchestrator.rollout.StageWorkflow;
import dev.firmament.orchestrator.rollout.TaskQueues;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingWorkflowTaskInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * What a fault campaign keeps when its rollout does not end in time, to find out why afterwards:
 * the job's row, its stages and its results' states as PostgreSQL holds them (printed), and for the
 * rollout's workflow and each stage's (the latest run of each) the state Temporal describes,
 * printed, and the whole event history, written as JSON next to the workers' logs. A part that
 * cannot be read (its service down) is named and skipped; the rest is still kept.
 */
final class RolloutDiagnostics {
  private final DSLContext dsl;
  private final WorkflowClient temporal;
  private final Path dir;
  private final PrintStream out;

  /** How many of a history's last events are printed. */
  private static final int LAST_EVENTS = 40;

  private final List<String> lines = new ArrayList<>();

  RolloutDiagnostics(DSLContext dsl, WorkflowClient temporal, Path dir, PrintStream out) {
    this.dsl = dsl;
    this.temporal = temporal;
    this.dir = dir;
    this.out = out;
  }

  /**
   * Prints and keeps what is known of the job's rollout; returns what it printed, one line each,
   * for the failure's message.
   */
  String keep(UUID jobId) {
    List<String> workflowIds = new ArrayList<>();
    workflowIds.add(TaskQueues.rolloutWorkflowId(jobId.toString()));
    try {
      Record job =
          dsl.select(OTA_JOBS.STATUS).from(OTA_JOBS).where(OTA_JOBS.ID.eq(jobId)).fetchOne();
      line("job %s status %s", jobId, job == null ? "-" : job.get(0));
      for (var stage :
          dsl.selectFrom(OTA_STAGES)
              .where(OTA_STAGES.JOB_ID.eq(jobId))
              .orderBy(OTA_STAGES.STAGE_INDEX)
              .fetch()) {
        line(
            "stage %d %s %s %s assigned=%d started=%d inFlight=%d succeeded=%d"
                + " failed=%d timedOut=%d",
            stage.getStageIndex(),
            stage.getName(),
            stage.getKind(),
            stage.getStatus(),
            stage.getAssigned(),
            stage.getStarted(),
            stage.getInFlight(),
            stage.getSucceeded(),
            stage.getFailed(),
            stage.getTimedOut());
        String jobKey = jobId.toString();
        workflowIds.add(
            "ROLLBACK".equals(stage.getKind())
                ? TaskQueues.rollbackWorkflowId(jobKey, stage.getStageIndex())
                : TaskQueues.stageWorkflowId(jobKey, stage.getStageIndex()));
      }
      dsl.select(OTA_RESULTS.STATE, DSL.count())
          .from(OTA_RESULTS)
          .where(OTA_RESULTS.JOB_ID.eq(jobId))
          .groupBy(OTA_RESULTS.STATE)
          .forEach(r -> line("results %s %d", r.value1(), r.value2()));
    } catch (RuntimeException unavailable) {
      line("PostgreSQL could not be read: %s", unavailable.getMessage());
    }
    List<Path> written = new ArrayList<>();
    for (String workflowId : workflowIds) {
      try {
        describe(workflowId);
        WorkflowExecutionHistory history = temporal.fetchHistory(workflowId);
        summarize(history.getEvents());
        Path file =
            dir.resolve("history-" + workflowId.replaceAll("[^A-Za-z0-9.-]", "_") + ".json");
        Files.writeString(file, history.toJson(true));
        written.add(file);
      } catch (RuntimeException | IOException unavailable) {
        line("workflow %s could not be read: %s", workflowId, unavailable);
      }
    }
    line("%d histories kept in %s", written.size(), dir);
    return String.join("\n", lines);
  }

  private void line(String format, Object... args) {
    String line = "diagnostics: " + String.format(format, args);
    lines.add(line);
    out.println(line);
  }

  /**
   * The stage's own account of its devices (its query, answered by a worker replaying it): whether
   * it holds devices open that PostgreSQL shows ended, or cannot answer at all (its workflow task
   * fails).
   */
  private void queryStage(String workflowId) {
    try {
      StageProgress progress = temporal.newWorkflowStub(StageWorkflow.class, workflowId).progress();
      line("  stage says %s %s", progress.status(), progress.counters());
    } catch (RuntimeException e) {
      line("  stage query failed: %s", e);
    }
  }

  /**
   * A history in a few lines: its events counted by type, then the last {@link #LAST_EVENTS} with
   * what each was about (the activity, signal, timer or failure).
   */
  private void summarize(List<HistoryEvent> events) {
    Map<String, Integer> byType = new TreeMap<>();
    events.forEach(e -> byType.merge(shortType(e), 1, Integer::sum));
    line("  events %s", byType);
    for (HistoryEvent event :
        events.subList(Math.max(0, events.size() - LAST_EVENTS), events.size())) {
      line("  #%d %s %s", event.getEventId(), shortType(event), about(event));
    }
  }

  private static String shortType(HistoryEvent event) {
    return event.getEventType().name().replace("EVENT_TYPE_", "");
  }

  private static String about(HistoryEvent event) {
    return switch (event.getEventType()) {
      case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ->
          event.getActivityTaskScheduledEventAttributes().getActivityType().getName();
      case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED ->
          event.getWorkflowExecutionSignaledEventAttributes().getSignalName();
      case EVENT_TYPE_TIMER_STARTED ->
          event.getTimerStartedEventAttributes().getStartToFireTimeout().getSeconds() + "s";
      case EVENT_TYPE_WORKFLOW_TASK_FAILED ->
          event.getWorkflowTaskFailedEventAttributes().getCause()
              + " "
              + event.getWorkflowTaskFailedEventAttributes().getFailure().getMessage();
      case EVENT_TYPE_ACTIVITY_TASK_FAILED ->
          event.getActivityTaskFailedEventAttributes().getFailure().getMessage();
      case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ->
          event.getActivityTaskTimedOutEventAttributes().getFailure().getMessage();
      default -> "";
    };
  }

  private void describe(String workflowId) {
    DescribeWorkflowExecutionResponse described =
        temporal
            .getWorkflowServiceStubs()
            .blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(temporal.getOptions().getNamespace())
                    .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                    .build());
    line(
        "workflow %s %s history=%d pendingActivities=%d pendingChildren=%d",
        workflowId,
        described.getWorkflowExecutionInfo().getStatus(),
        described.getWorkflowExecutionInfo().getHistoryLength(),
        described.getPendingActivitiesCount(),
        described.getPendingChildrenCount());
    if (described.hasPendingWorkflowTask()) {
      PendingWorkflowTaskInfo task = described.getPendingWorkflowTask();
      line("  workflow task %s attempt=%d", task.getState(), task.getAttempt());
    }
    if (workflowId.contains("/stage/")) {
      queryStage(workflowId);
    }
    described
        .getPendingActivitiesList()
        .forEach(
            a ->
                line(
                    "  activity %s %s attempt=%d state=%s",
                    a.getActivityId(),
                    a.getActivityType().getName(),
                    a.getAttempt(),
                    a.getState()));
  }
}
