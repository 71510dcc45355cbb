package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The gate column of {@code rollouts show}. That its verdict is the orchestrator's, over every
 * count, is checked against the orchestrator's own gate in the launcher
 * (StageGateAgreesWithTheOrchestratorTest); here, what the column says.
 */
class StageGateTest {

  private static JsonNode json(String text) throws Exception {
    return JsonOutput.JSON.readTree(text);
  }

  @Test
  void aGateThatNeverBreachesIsNone() throws Exception {
    assertThat(StageGate.describe(json("{\"maxFailureRate\": 1.0}"), json("{\"failed\": 5}")))
        .isEqualTo("none");
    assertThat(StageGate.describe(json("{}"), json("{\"failed\": 5}"))).isEqualTo("none");
  }

  @Test
  void beforeItsSampleTheGateIsSampling() throws Exception {
    JsonNode plan =
        json("{\"maxFailureRate\": 0.1, \"minimumSample\": 10, \"onBreach\": \"ABORT\"}");
    assertThat(StageGate.describe(plan, json("{\"succeeded\": 6, \"failed\": 3}")))
        .isEqualTo("sampling 9/10: 3/9 failed, max 10%, ABORT on breach");
  }

  @Test
  void atTheThresholdItHoldsAndAboveItBreaches() throws Exception {
    JsonNode plan = json("{\"maxFailureRate\": 0.2, \"minimumSample\": 10}");
    assertThat(StageGate.describe(plan, json("{\"succeeded\": 8, \"failed\": 2}")))
        .isEqualTo("holds: 2/10 failed, max 20%, PAUSE on breach");
    assertThat(StageGate.describe(plan, json("{\"succeeded\": 7, \"failed\": 3}")))
        .isEqualTo("BREACHED: 3/10 failed, max 20%, PAUSE on breach");
    // Exactly the sample: judged.
    assertThat(StageGate.breached(0.2, 10, 10, 3)).isTrue();
    assertThat(StageGate.breached(0.2, 10, 9, 9)).isFalse();
    assertThat(StageGate.breached(0.2, 0, 0, 0)).isFalse();
    assertThat(StageGate.breached(0.0, 0, 1, 1)).isTrue();
    assertThat(StageGate.breached(0.0, 0, 1, 0)).isFalse();
  }

  @Test
  void everyFinalOutcomeIsFinished() throws Exception {
    assertThat(
            StageGate.finished(
                json(
                    "{\"succeeded\": 1, \"skipped\": 2, \"failed\": 4, \"timedOut\": 8,"
                        + " \"rejected\": 16, \"rolledBack\": 32, \"inFlight\": 64}")))
        .isEqualTo(63);
  }

  @Test
  void onlyTheCountedFailureTypesCountAndUnhealthyDevicesAlways() throws Exception {
    JsonNode stage =
        json(
            "{\"failed\": 1, \"timedOut\": 2, \"rejected\": 4, \"rolledBack\": 8,"
                + " \"unhealthy\": 16}");
    assertThat(StageGate.failures(Set.of(), stage)).isEqualTo(16);
    assertThat(StageGate.failures(Set.of("FAILED"), stage)).isEqualTo(17);
    assertThat(StageGate.failures(Set.of("TIMED_OUT"), stage)).isEqualTo(18);
    assertThat(StageGate.failures(Set.of("REJECTED"), stage)).isEqualTo(20);
    assertThat(StageGate.failures(Set.of("ROLLED_BACK"), stage)).isEqualTo(24);
    assertThat(StageGate.countedFailures(json("{}"))).isEqualTo(StageGate.FAILURE_TYPES);
    assertThat(StageGate.countedFailures(json("{\"countedFailures\": [\"FAILED\"]}")))
        .containsExactly("FAILED");
  }

  @Test
  void failuresNeverExceedTheFinishedDevices() throws Exception {
    JsonNode plan = json("{\"maxFailureRate\": 0.5, \"countedFailures\": [\"FAILED\"]}");
    // Unhealthy devices are among the succeeded: the failed share is capped at the finished.
    assertThat(StageGate.describe(plan, json("{\"succeeded\": 2, \"unhealthy\": 5}")))
        .isEqualTo("BREACHED: 2/2 failed, max 50%, PAUSE on breach");
  }
}
