package dev.firmament.orchestrator.determinism;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.firmament.orchestrator.determinism.bad.BadWorkflowImpl;
import org.junit.jupiter.api.Test;

/**
 * The build-time determinism check over the workflow classes, and proof that it catches a workflow
 * that breaks every rule.
 */
class WorkflowDeterminismTest {

  @Test
  void theRolloutWorkflowsAreDeterministic() {
    JavaClasses production =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.firmament.orchestrator");
    WorkflowDeterminismRules.workflowsAreDeterministic().check(production);
  }

  @Test
  void theCheckFailsOnADeliberatelyBadWorkflow() {
    JavaClasses bad = new ClassFileImporter().importPackagesOf(BadWorkflowImpl.class);

    EvaluationResult result = WorkflowDeterminismRules.workflowsAreDeterministic().evaluate(bad);

    assertThat(result.hasViolation()).isTrue();
    String report = String.join("\n", result.getFailureReport().getDetails());
    assertThat(report)
        .contains("System.currentTimeMillis")
        .contains("Random.<init>")
        .contains("uses threads")
        .contains("uses java.util.concurrent.")
        .contains("uses java.sql.")
        .contains("uses java.io.")
        .contains("mutable static field")
        .contains("UUID.randomUUID")
        .contains("(reached from BadWorkflowImpl)");
  }
}
