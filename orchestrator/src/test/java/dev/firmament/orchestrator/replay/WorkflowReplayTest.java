package dev.firmament.orchestrator.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.firmament.orchestrator.rollout.StageWorkflow;
import io.temporal.common.metadata.POJOWorkflowInterfaceMetadata;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.NonDeterministicException;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the recorded histories ({@link RecordedHistories}) against the current workflow code: a
 * change that would break a running rollout or delta build fails here, and must go behind {@code
 * Workflow.getVersion}. The coverage of the recordings is checked too: every workflow type this
 * module declares has a history, and every {@code getVersion} change in its source has a history
 * that took the change's newest branch. A deliberately changed workflow shows that replay fails.
 *
 * <p>Histories are recorded by {@code RolloutHistoryRecorder} and {@code
 * DeltaBuildHistoryRecorder}, on purpose only (see their comments).
 */
class WorkflowReplayTest {
  private static final String PACKAGE = "dev.firmament.orchestrator";
  private static final Path SOURCES = Path.of("src/main/java");

  /**
   * A {@code getVersion} call: the change id (a constant or a literal), then the minimum and the
   * maximum supported versions.
   */
  private static final Pattern GET_VERSION =
      Pattern.compile(
          "Workflow\\s*\\.\\s*getVersion\\s*\\(\\s*([\\w.]+|\"[^\"]*\")\\s*,\\s*[^,()]+\\s*,\\s*([^,()]+?)\\s*\\)");

  private static final JavaClasses PRODUCTION =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(PACKAGE);

  static List<Path> histories() {
    return RecordedHistories.files();
  }

  @ParameterizedTest
  @MethodSource("histories")
  void recordedHistoryReplays(Path file) throws Exception {
    List<Class<?>> implementations = workflowImplementations();
    WorkflowReplayer.replayWorkflowExecution(
        RecordedHistories.read(file),
        implementations.getFirst(),
        implementations.subList(1, implementations.size()).toArray(Class<?>[]::new));
  }

  @Test
  void everyWorkflowTypeHasARecordedHistory() {
    Set<String> recorded =
        histories().stream()
            .map(RecordedHistories::read)
            .map(RecordedHistories::workflowType)
            .collect(Collectors.toCollection(TreeSet::new));

    assertThat(workflowTypes()).isNotEmpty().isSubsetOf(recorded);
  }

  @Test
  void everyWorkflowTypeHasOneImplementationToReplayWith() {
    Map<String, List<String>> implementationsByType = new TreeMap<>();
    for (Class<?> implementation : workflowImplementations()) {
      for (Class<?> contract : implementation.getInterfaces()) {
        if (contract.isAnnotationPresent(WorkflowInterface.class)) {
          implementationsByType
              .computeIfAbsent(workflowType(contract), t -> new ArrayList<>())
              .add(implementation.getSimpleName());
        }
      }
    }

    assertThat(implementationsByType.keySet()).isEqualTo(workflowTypes());
    assertThat(implementationsByType.values()).allSatisfy(list -> assertThat(list).hasSize(1));
  }

  @Test
  void everyVersionChangeTakesItsNewestBranchInARecordedHistory() throws IOException {
    Map<String, Integer> inSource = versionChangesInSource();
    Map<String, Integer> recorded = new HashMap<>();
    for (Path file : histories()) {
      RecordedHistories.versionMarkers(RecordedHistories.read(file))
          .forEach((changeId, version) -> recorded.merge(changeId, version, Math::max));
    }

    assertThat(inSource).isNotEmpty();
    inSource.forEach(
        (changeId, newest) ->
            assertThat(recorded.get(changeId))
                .as("newest version of change %s in a recorded history's version marker", changeId)
                .isEqualTo(newest));
  }

  /**
   * The source scan must see every {@code getVersion} call the compiled classes make, so that a
   * call it cannot parse fails here instead of going unchecked.
   */
  @Test
  void theSourceScanFindsEveryVersionCall() throws IOException {
    long compiledCalls =
        PRODUCTION.stream()
            .flatMap(c -> c.getMethodCallsFromSelf().stream())
            .filter(call -> call.getTargetOwner().isEquivalentTo(Workflow.class))
            .filter(call -> call.getName().equals("getVersion"))
            .count();

    assertThat(versionCallsInSource()).hasSize((int) compiledCalls);
  }

  @Test
  void aChangedWorkflowFailsToReplayEveryRecordedHistoryOfItsType() {
    List<Path> stageHistories =
        histories().stream()
            .filter(
                f ->
                    RecordedHistories.workflowType(RecordedHistories.read(f))
                        .equals(workflowType(StageWorkflow.class)))
            .toList();

    assertThat(stageHistories).isNotEmpty();
    for (Path file : stageHistories) {
      assertThatThrownBy(
              () ->
                  WorkflowReplayer.replayWorkflowExecution(
                      RecordedHistories.read(file), ChangedStageWorkflowImpl.class))
          .as("replay of %s with a changed stage workflow", file.getFileName())
          // The replayer reports the non-determinism error by name in its message, without a cause;
          // TMPRL1100 is the SDK's code for a command that does not match the recorded event.
          .hasMessageContaining(NonDeterministicException.class.getName())
          .hasMessageContaining("TMPRL1100");
    }
  }

  /** The workflow types of this module's workflow interfaces, as the workers register them. */
  private static Set<String> workflowTypes() {
    return PRODUCTION.stream()
        .filter(JavaClass::isInterface)
        .filter(c -> c.isAnnotatedWith(WorkflowInterface.class))
        .map(c -> workflowType(c.reflect()))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static String workflowType(Class<?> contract) {
    return POJOWorkflowInterfaceMetadata.newInstance(contract).getWorkflowType().orElseThrow();
  }

  /** The classes of this module that implement a workflow interface. */
  private static List<Class<?>> workflowImplementations() {
    return PRODUCTION.stream()
        .filter(c -> !c.isInterface() && !c.getModifiers().contains(JavaModifier.ABSTRACT))
        .filter(
            c ->
                c.getAllRawInterfaces().stream()
                    .anyMatch(i -> i.isAnnotatedWith(WorkflowInterface.class)))
        .<Class<?>>map(JavaClass::reflect)
        .sorted((a, b) -> a.getName().compareTo(b.getName()))
        .toList();
  }

  /** Each change id with the newest version its {@code getVersion} calls support. */
  private static Map<String, Integer> versionChangesInSource() throws IOException {
    Map<String, Integer> changes = new TreeMap<>();
    for (VersionCall call : versionCallsInSource()) {
      changes.merge(call.changeId(), call.newest(), Math::max);
    }
    return changes;
  }

  private record VersionCall(String changeId, int newest) {}

  private static List<VersionCall> versionCallsInSource() throws IOException {
    List<VersionCall> calls = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file, StandardCharsets.UTF_8);
        Matcher call = GET_VERSION.matcher(source);
        while (call.find()) {
          calls.add(
              new VersionCall(
                  changeId(call.group(1), source, file), constant(call.group(2), source, file)));
        }
      }
    }
    return calls;
  }

  /** A change id written as a literal, or as a string constant of the calling class. */
  private static String changeId(String argument, String source, Path file) {
    if (argument.startsWith("\"")) {
      return argument.substring(1, argument.length() - 1);
    }
    String name = argument.substring(argument.lastIndexOf('.') + 1);
    Matcher constant =
        Pattern.compile("static\\s+final\\s+String\\s+" + name + "\\s*=\\s*\"([^\"]+)\"")
            .matcher(source);
    if (!constant.find()) {
      throw new AssertionError(
          "change id " + argument + " in " + file + " is no string constant of its class");
    }
    return constant.group(1);
  }

  /** A version written as a number, or as an int constant of the calling class. */
  private static int constant(String argument, String source, Path file) {
    if (argument.matches("\\d+")) {
      return Integer.parseInt(argument);
    }
    String name = argument.substring(argument.lastIndexOf('.') + 1);
    Matcher constant =
        Pattern.compile("static\\s+final\\s+int\\s+" + name + "\\s*=\\s*(\\d+)\\s*;")
            .matcher(source);
    if (!constant.find()) {
      throw new AssertionError(
          "version " + argument + " in " + file + " is no number nor int constant of its class");
    }
    return Integer.parseInt(constant.group(1));
  }
}
