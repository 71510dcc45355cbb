package dev.firmament.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.StageCounters;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The failure rate the scrape reports for a stage is the one its gate judges. */
class FleetMetricsTest {

  /**
   * assigned, started, in flight, succeeded, skipped, failed, timed out, rejected, rolled back,
   * unhealthy.
   */
  private static StageCounters counters(
      int succeeded, int skipped, int failed, int timedOut, int rejected, int unhealthy) {
    int finished = succeeded + skipped + failed + timedOut + rejected;
    return new StageCounters(
        finished + 3,
        finished + 2,
        2,
        succeeded,
        skipped,
        failed,
        timedOut,
        rejected,
        0,
        unhealthy);
  }

  @Test
  void theRateCountsTheGatesFailureTypesAndUnhealthyDevicesOverTheFinishedOnes() {
    GatePlan onlyFailed =
        new GatePlan(EnumSet.of(DeviceUpdateState.FAILED), 0.1, 5, 0.5, BreachAction.PAUSE);
    // 20 finished: 12 succeeded, 2 skipped, 3 failed, 2 timed out, 1 rejected; 1 unhealthy.
    FleetMetrics.GateNumbers numbers =
        FleetMetrics.numbers(onlyFailed, counters(12, 2, 3, 2, 1, 1));

    // The gate counts FAILED (3) and unhealthy (1), not timed out or rejected.
    assertThat(numbers.failureRate()).isEqualTo(4 / 20.0);
    assertThat(numbers.threshold()).isEqualTo(0.1);

    FleetMetrics.GateNumbers all =
        FleetMetrics.numbers(GatePlan.permissive(), counters(12, 2, 3, 2, 1, 1));
    assertThat(all.failureRate()).isEqualTo(7 / 20.0);
    assertThat(all.threshold()).isEqualTo(1.0);
  }

  @Test
  void aStageWithNothingFinishedHasNoFailures() {
    assertThat(FleetMetrics.numbers(GatePlan.permissive(), StageCounters.EMPTY).failureRate())
        .isZero();
  }

  @Test
  void theRateNeverPassesOne() {
    // Every finished device failed and was also counted unhealthy: still all of them, not more.
    assertThat(
            FleetMetrics.numbers(GatePlan.permissive(), counters(0, 0, 4, 0, 0, 4)).failureRate())
        .isEqualTo(1.0);
  }

  @Test
  void everyStageStateHasAName() {
    assertThat(FleetMetrics.STAGE_STATES)
        .hasSize(10)
        .doesNotHaveDuplicates()
        .startsWith("assigned")
        .contains("succeeded", "failed", "timed_out", "unhealthy");
  }
}
