package dev.firmament.orchestrator.rollout.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.StageCounters;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailureRateGateTest {
  private static final GatePlan GATE =
      new GatePlan(
          Set.of(DeviceUpdateState.FAILED, DeviceUpdateState.TIMED_OUT),
          0.2,
          10,
          0,
          BreachAction.ABORT);

  private static StageCounters finished(int succeeded, int failed, int timedOut, int rejected) {
    return new StageCounters(0, 0, 0, succeeded, 0, failed, timedOut, rejected, 0, 0);
  }

  @Test
  void exactlyAtTheThresholdHolds() {
    assertThat(FailureRateGate.evaluate(GATE, finished(8, 1, 1, 0))).isEqualTo(GateVerdict.HOLDS);
  }

  @Test
  void oneOverTheThresholdBreaches() {
    assertThat(FailureRateGate.evaluate(GATE, finished(7, 2, 1, 0)))
        .isEqualTo(GateVerdict.BREACHED);
  }

  @Test
  void belowTheMinimumSampleNothingIsJudged() {
    assertThat(FailureRateGate.evaluate(GATE, finished(0, 9, 0, 0))).isEqualTo(GateVerdict.HOLDS);
  }

  @Test
  void exactlyTheMinimumSampleIsJudged() {
    assertThat(FailureRateGate.evaluate(GATE, finished(0, 10, 0, 0)))
        .isEqualTo(GateVerdict.BREACHED);
  }

  @Test
  void failureTypesThatAreNotCountedDoNotBreach() {
    assertThat(FailureRateGate.evaluate(GATE, finished(5, 0, 0, 5))).isEqualTo(GateVerdict.HOLDS);
  }

  @Test
  void unhealthyDevicesAlwaysCount() {
    StageCounters counters = new StageCounters(0, 0, 0, 10, 0, 0, 0, 0, 0, 3);
    assertThat(FailureRateGate.evaluate(GATE, counters)).isEqualTo(GateVerdict.BREACHED);
  }

  @Test
  void anEmptyStageHolds() {
    GatePlan strict = new GatePlan(null, 0.0, 0, 1.0, BreachAction.PAUSE);
    assertThat(FailureRateGate.evaluate(strict, StageCounters.EMPTY)).isEqualTo(GateVerdict.HOLDS);
  }

  @Test
  void aZeroThresholdBreachesOnTheFirstCountedFailure() {
    GatePlan strict = new GatePlan(null, 0.0, 1, 0, BreachAction.PAUSE);
    assertThat(FailureRateGate.evaluate(strict, finished(0, 1, 0, 0)))
        .isEqualTo(GateVerdict.BREACHED);
    assertThat(FailureRateGate.evaluate(strict, finished(1, 0, 0, 0))).isEqualTo(GateVerdict.HOLDS);
  }
}
