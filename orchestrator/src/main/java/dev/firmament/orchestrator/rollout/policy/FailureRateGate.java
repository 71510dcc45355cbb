package dev.firmament.orchestrator.rollout.policy;

import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.StageCounters;

/**
 * The gate judged while a stage runs: the share of finished devices that failed (in the counted
 * failure types, plus unhealthy ones) may not exceed the threshold, once the minimum sample has
 * finished. A rate exactly at the threshold holds.
 */
public final class FailureRateGate {
  private FailureRateGate() {}

  public static GateVerdict evaluate(GatePlan gate, StageCounters counters) {
    int finished = counters.finished();
    if (finished == 0 || finished < gate.minimumSample()) {
      return GateVerdict.HOLDS;
    }
    int failures = Math.min(finished, counters.failures(gate.countedFailures()));
    // The epsilon keeps a rate exactly at the threshold from breaching through rounding.
    return failures > gate.maxFailureRate() * finished + 1e-9
        ? GateVerdict.BREACHED
        : GateVerdict.HOLDS;
  }
}
