package dev.firmament.orchestrator.determinism;

import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The determinism rules of Temporal workflow code (the ones {@code temporal-workflowcheck} checks,
 * which is not published on Maven Central), as one ArchUnit rule: a workflow implementation, and
 * every class of ours it reaches, may not read the system clock, draw randomness, use threads,
 * sleeps or concurrency utilities, do I/O or JDBC, touch Spring, log outside {@code
 * Workflow.getLogger}, or keep mutable static state. Time, randomness, sleeps and logging come from
 * {@code io.temporal.workflow.Workflow}.
 */
public final class WorkflowDeterminismRules {
  /** Packages whose use makes workflow code non-deterministic or do I/O. */
  private static final List<String> FORBIDDEN_PACKAGES =
      List.of(
          "java.io.",
          "java.nio.",
          "java.net.",
          "java.sql.",
          "javax.sql.",
          "java.util.concurrent.",
          "org.springframework.",
          "org.jooq.",
          "java.time.Clock");

  /** Individual members that read the clock, draw randomness or block: owner#name. */
  private static final Set<String> FORBIDDEN_MEMBERS =
      Set.of(
          "java.lang.System#currentTimeMillis",
          "java.lang.System#nanoTime",
          "java.lang.System#getenv",
          "java.lang.System#getProperty",
          "java.time.Instant#now",
          "java.time.LocalDateTime#now",
          "java.time.LocalDate#now",
          "java.time.LocalTime#now",
          "java.time.OffsetDateTime#now",
          "java.time.ZonedDateTime#now",
          "java.lang.Math#random",
          "java.util.UUID#randomUUID",
          "java.util.Random#<init>",
          "java.security.SecureRandom#<init>",
          "java.lang.Object#wait",
          "org.slf4j.LoggerFactory#getLogger");

  private WorkflowDeterminismRules() {}

  /** The rule over classes named {@code *WorkflowImpl}. */
  public static ArchRule workflowsAreDeterministic() {
    return ArchRuleDefinition.classes()
        .that()
        .haveSimpleNameEndingWith("WorkflowImpl")
        .should(onlyReachDeterministicCode())
        .allowEmptyShould(false);
  }

  private static ArchCondition<JavaClass> onlyReachDeterministicCode() {
    return new ArchCondition<>("only reach deterministic code") {
      @Override
      public void check(JavaClass workflow, ConditionEvents events) {
        for (JavaClass reached : reachable(workflow)) {
          checkClass(workflow, reached, events);
        }
      }
    };
  }

  /** The workflow and every class of ours it depends on, directly or not. */
  private static Set<JavaClass> reachable(JavaClass workflow) {
    String ownPrefix = "dev.firmament.";
    Set<JavaClass> seen = new LinkedHashSet<>();
    Deque<JavaClass> queue = new ArrayDeque<>();
    queue.add(workflow);
    while (!queue.isEmpty()) {
      JavaClass next = queue.poll();
      if (!seen.add(next)) {
        continue;
      }
      for (Dependency dependency : next.getDirectDependenciesFromSelf()) {
        JavaClass target = dependency.getTargetClass().getBaseComponentType();
        if (target.getName().startsWith(ownPrefix) && !seen.contains(target)) {
          queue.add(target);
        }
      }
    }
    return seen;
  }

  private static void checkClass(JavaClass workflow, JavaClass reached, ConditionEvents events) {
    String via = reached.equals(workflow) ? "" : " (reached from " + workflow.getSimpleName() + ")";
    for (JavaField field : reached.getFields()) {
      if (field.getModifiers().contains(JavaModifier.STATIC)
          && !field.getModifiers().contains(JavaModifier.FINAL)
          && !reached.isEnum()) {
        events.add(
            SimpleConditionEvent.violated(
                field, "mutable static field " + field.getFullName() + via));
      }
    }
    for (Dependency dependency : reached.getDirectDependenciesFromSelf()) {
      String target = dependency.getTargetClass().getBaseComponentType().getName();
      for (String forbidden : FORBIDDEN_PACKAGES) {
        if (target.startsWith(forbidden) || target.equals(forbidden)) {
          events.add(
              SimpleConditionEvent.violated(
                  dependency, dependency.getDescription() + " uses " + forbidden + via));
        }
      }
      if (target.equals("java.lang.Thread") || target.equals("java.lang.Runtime")) {
        events.add(
            SimpleConditionEvent.violated(
                dependency, dependency.getDescription() + " uses threads" + via));
      }
    }
    for (JavaAccess<?> access : reached.getAccessesFromSelf()) {
      AccessTarget target = access.getTarget();
      String member = target.getOwner().getName() + "#" + target.getName();
      if (FORBIDDEN_MEMBERS.contains(member)) {
        events.add(
            SimpleConditionEvent.violated(
                access, access.getDescription() + " is not deterministic" + via));
      }
    }
  }
}
