package dev.firmament.orchestrator.rollout.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.StageCounters;
import org.junit.jupiter.api.Test;

class SuccessThresholdGateTest {
  private static final GatePlan GATE = new GatePlan(null, 1.0, 0, 0.9, BreachAction.PAUSE);

  @Test
  void exactlyAtTheThresholdAdvances() {
    StageCounters counters = new StageCounters(10, 10, 0, 8, 1, 1, 0, 0, 0, 0);
    assertThat(SuccessThresholdGate.evaluate(GATE, counters)).isEqualTo(GateVerdict.HOLDS);
  }

  @Test
  void oneBelowTheThresholdBreaches() {
    StageCounters counters = new StageCounters(10, 10, 0, 8, 0, 2, 0, 0, 0, 0);
    assertThat(SuccessThresholdGate.evaluate(GATE, counters)).isEqualTo(GateVerdict.BREACHED);
  }

  @Test
  void unhealthySuccessesDoNotCountAsSuccesses() {
    StageCounters counters = new StageCounters(10, 10, 0, 10, 0, 0, 0, 0, 0, 2);
    assertThat(SuccessThresholdGate.evaluate(GATE, counters)).isEqualTo(GateVerdict.BREACHED);
  }

  @Test
  void anEmptyStageAdvances() {
    assertThat(SuccessThresholdGate.evaluate(GATE, StageCounters.EMPTY))
        .isEqualTo(GateVerdict.HOLDS);
  }
}
