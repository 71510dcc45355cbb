package dev.firmament.orchestrator.replay;

import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.MarkerRecordedEventAttributes;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The recorded workflow histories in {@code src/test/resources/histories}: listing and reading them
 * for the replay test, what a history says about itself (its workflow type, the version markers of
 * its {@code Workflow.getVersion} calls), and writing new ones for the recorders.
 *
 * <p>Record new histories for new behaviour, never rewrite old ones: an old history is the proof
 * that rollouts started by an older version still replay.
 */
public final class RecordedHistories {
  /** Relative to the module, where Maven runs the tests. */
  public static final Path DIRECTORY = Path.of("src/test/resources/histories");

  /** The marker the SDK records for each {@code Workflow.getVersion} call that is not replayed. */
  private static final String VERSION_MARKER = "Version";

  private static final String CHANGE_ID = "changeId";
  private static final String VERSION = "version";

  private RecordedHistories() {}

  public static List<Path> files() {
    try (Stream<Path> files = Files.list(DIRECTORY)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static WorkflowExecutionHistory read(Path file) {
    try {
      return WorkflowExecutionHistory.fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The workflow type the history's run was started as (its first event names it). */
  public static String workflowType(WorkflowExecutionHistory history) {
    HistoryEvent first = history.getEvents().getFirst();
    if (first.getEventType() != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
      throw new IllegalArgumentException("a history starts with its run's start, not " + first);
    }
    return first.getWorkflowExecutionStartedEventAttributes().getWorkflowType().getName();
  }

  /**
   * The change ids of the history's version markers with the version each recorded. A marker is
   * recorded only when the code ran a {@code getVersion} call for the first time, so a change id
   * here with a version above {@code Workflow.DEFAULT_VERSION} means the run took the new branch.
   */
  public static Map<String, Integer> versionMarkers(WorkflowExecutionHistory history) {
    Map<String, Integer> versions = new HashMap<>();
    for (HistoryEvent event : history.getEvents()) {
      if (event.getEventType() != EventType.EVENT_TYPE_MARKER_RECORDED) {
        continue;
      }
      MarkerRecordedEventAttributes marker = event.getMarkerRecordedEventAttributes();
      if (!marker.getMarkerName().equals(VERSION_MARKER)) {
        continue;
      }
      String changeId = decode(marker.getDetailsMap().get(CHANGE_ID), String.class);
      Integer version = decode(marker.getDetailsMap().get(VERSION), Integer.class);
      versions.merge(changeId, version, Math::max);
    }
    return versions;
  }

  private static <T> T decode(Payloads payloads, Class<T> type) {
    if (payloads == null) {
      throw new IllegalArgumentException("a version marker without its " + type.getSimpleName());
    }
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
        0, Optional.of(payloads), type, type);
  }

  public static void write(String name, WorkflowExecutionHistory history) throws IOException {
    Files.createDirectories(DIRECTORY);
    Files.writeString(DIRECTORY.resolve(name), history.toJson(true), StandardCharsets.UTF_8);
  }

  /**
   * Writes every child workflow the parent started, each run of it (a child that continues as new
   * has one history per run), as {@code <prefix>-<n>-run-<k>.json} with the child's position among
   * the parent's children and the run's position in its chain.
   */
  public static void writeChildren(
      WorkflowClient client, WorkflowExecutionHistory parent, String prefix) throws IOException {
    int child = 0;
    for (HistoryEvent event : parent.getEvents()) {
      if (event.getEventType() != EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
        continue;
      }
      var execution =
          event.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
      String runId = execution.getRunId();
      int run = 1;
      while (runId != null) {
        WorkflowExecutionHistory history = client.fetchHistory(execution.getWorkflowId(), runId);
        write(prefix + "-" + child + "-run-" + run + ".json", history);
        HistoryEvent last = history.getEvents().getLast();
        runId =
            last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
                : null;
        run++;
      }
      child++;
    }
  }
}
