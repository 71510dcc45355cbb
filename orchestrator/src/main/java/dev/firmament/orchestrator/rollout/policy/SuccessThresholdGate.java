package dev.firmament.orchestrator.rollout.policy;

import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.StageCounters;

/**
 * The gate judged when a stage ends (after its soak and health check): at least the success
 * threshold of its finished devices must have reached the version and stayed healthy. An empty
 * stage holds: there is nothing to judge.
 */
public final class SuccessThresholdGate {
  private SuccessThresholdGate() {}

  public static GateVerdict evaluate(GatePlan gate, StageCounters counters) {
    int finished = counters.finished();
    if (finished == 0) {
      return GateVerdict.HOLDS;
    }
    return counters.healthySuccesses() + 1e-9 >= gate.minSuccessRate() * finished
        ? GateVerdict.HOLDS
        : GateVerdict.BREACHED;
  }
}
