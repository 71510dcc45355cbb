package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a fault campaign reports as broken, from its counts. */
class FaultCampaignOutcomeTest {
  private static FaultCampaign.Outcome outcome(
      String status,
      Map<String, Integer> results,
      int withoutOneEnd,
      int historyEnds,
      int installs,
      int installedTwice,
      int onTarget,
      int faults) {
    return new FaultCampaign.Outcome(
        10,
        status,
        results,
        withoutOneEnd,
        historyEnds,
        installs,
        installedTwice,
        onTarget,
        java.util.Collections.nCopies(faults, "fault"),
        2,
        Duration.ofSeconds(30));
  }

  @Test
  void aCampaignWhereEverythingHeldHasNoViolations() {
    assertThat(outcome("SUCCEEDED", Map.of("SUCCEEDED", 10), 0, 10, 10, 0, 10, 2).violations())
        .isEmpty();
  }

  @Test
  void eachBrokenPromiseIsNamed() {
    assertThat(outcome("FAILED", Map.of("SUCCEEDED", 10), 0, 10, 10, 0, 10, 2).violations())
        .containsExactly("the rollout ended FAILED");
    assertThat(
            outcome("SUCCEEDED", Map.of("SUCCEEDED", 9, "TIMED_OUT", 1), 0, 10, 9, 0, 9, 2)
                .violations())
        .singleElement()
        .asString()
        .startsWith("results");
    assertThat(outcome("SUCCEEDED", Map.of("SUCCEEDED", 10), 1, 11, 10, 0, 10, 2).violations())
        .singleElement()
        .asString()
        .contains("without exactly one end");
    assertThat(outcome("SUCCEEDED", Map.of("SUCCEEDED", 10), 0, 9, 10, 0, 10, 2).violations())
        .singleElement()
        .asString()
        .contains("(9 ends)");
    assertThat(outcome("SUCCEEDED", Map.of("SUCCEEDED", 10), 0, 10, 11, 1, 10, 2).violations())
        .containsExactly(
            "1 devices installed the update twice",
            "PostgreSQL counts 10 succeeded, the devices report 10 on the target and 11 installs");
    assertThat(outcome("SUCCEEDED", Map.of("SUCCEEDED", 10), 0, 10, 9, 0, 9, 2).violations())
        .singleElement()
        .asString()
        .startsWith("PostgreSQL counts 10 succeeded");
    assertThat(outcome("SUCCEEDED", Map.of("SUCCEEDED", 10), 0, 10, 10, 0, 10, 1).violations())
        .containsExactly("only 1 of 2 faults struck before the rollout ended");
  }
}
