package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a stage's failure-rate gate stands, from the plan's gate and the stage's counts as the API
 * answers them: the orchestrator's arithmetic (its {@code FailureRateGate} over {@code
 * StageCounters}) redone here, as the slim CLI does not carry the orchestrator. The launcher's
 * {@code StageGateAgreesWithTheOrchestratorTest} keeps the two the same.
 */
public final class StageGate {
  /** The failure types a gate counts when its plan names none. */
  static final Set<String> FAILURE_TYPES = Set.of("FAILED", "TIMED_OUT", "REJECTED", "ROLLED_BACK");

  private StageGate() {}

  /**
   * The gate column of {@code rollouts show}: "none" for a gate that never breaches, else its
   * verdict ("sampling N/M", "holds" or "BREACHED") with the failed share, the threshold and the
   * action on a breach.
   *
   * @param plan the stage's {@code OTAGatePlan}
   * @param stage the stage's counts ({@code assigned}, {@code succeeded}, {@code failed}, ...)
   */
  public static String describe(JsonNode plan, JsonNode stage) {
    double maxFailureRate = plan.path("maxFailureRate").asDouble(1.0);
    if (maxFailureRate >= 1.0) {
      return "none";
    }
    int minimumSample = plan.path("minimumSample").asInt(0);
    int finished = finished(stage);
    int failures = Math.min(finished, failures(countedFailures(plan), stage));
    String verdict =
        finished < minimumSample
            ? "sampling " + finished + "/" + minimumSample
            : breached(maxFailureRate, minimumSample, finished, failures) ? "BREACHED" : "holds";
    return String.format(
        Locale.ROOT,
        "%s: %d/%d failed, max %.0f%%, %s on breach",
        verdict,
        failures,
        finished,
        maxFailureRate * 100,
        plan.path("onBreach").asText("PAUSE"));
  }

  /**
   * The orchestrator's verdict: more than {@code maxFailureRate} of the finished devices failed,
   * once {@code minimumSample} of them finished; a rate exactly at the threshold holds.
   */
  static boolean breached(double maxFailureRate, int minimumSample, int finished, int failures) {
    if (finished == 0 || finished < minimumSample) {
      return false;
    }
    return Math.min(finished, failures) > maxFailureRate * finished + 1e-9;
  }

  /** Devices with a final outcome. */
  static int finished(JsonNode stage) {
    return count(stage, "succeeded")
        + count(stage, "skipped")
        + count(stage, "failed")
        + count(stage, "timedOut")
        + count(stage, "rejected")
        + count(stage, "rolledBack");
  }

  /** Finished devices in one of the counted failure types, plus unhealthy ones (always counted). */
  static int failures(Set<String> counted, JsonNode stage) {
    int failures = count(stage, "unhealthy");
    if (counted.contains("FAILED")) {
      failures += count(stage, "failed");
    }
    if (counted.contains("TIMED_OUT")) {
      failures += count(stage, "timedOut");
    }
    if (counted.contains("REJECTED")) {
      failures += count(stage, "rejected");
    }
    if (counted.contains("ROLLED_BACK")) {
      failures += count(stage, "rolledBack");
    }
    return failures;
  }

  static Set<String> countedFailures(JsonNode plan) {
    Set<String> counted = new HashSet<>();
    plan.path("countedFailures").forEach(t -> counted.add(t.asText()));
    return counted.isEmpty() ? FAILURE_TYPES : counted;
  }

  private static int count(JsonNode stage, String field) {
    return stage.path(field).asInt();
  }
}
