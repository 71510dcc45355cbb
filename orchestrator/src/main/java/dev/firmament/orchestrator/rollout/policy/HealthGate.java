package dev.firmament.orchestrator.rollout.policy;

import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.HealthReport;

/**
 * The health gate: the share of unhealthy updated devices may exceed the share of unhealthy devices
 * not yet updated by at most the plan's {@code maxExcess}, once {@code minimumUpdated} devices have
 * updated. No unhealthy updated device never breaches; a share exactly at the limit holds.
 */
public final class HealthGate {
  private HealthGate() {}

  public static GateVerdict evaluate(HealthPlan plan, HealthReport report) {
    if (report.updated() < plan.minimumUpdated() || report.updatedUnhealthy() == 0) {
      return GateVerdict.HOLDS;
    }
    double updatedShare = (double) report.updatedUnhealthy() / report.updated();
    double baseline =
        report.control() == 0 ? 0 : (double) report.controlUnhealthy() / report.control();
    // The epsilon keeps a share exactly at the limit from breaching through rounding.
    return updatedShare > baseline + plan.maxExcess() + 1e-9
        ? GateVerdict.BREACHED
        : GateVerdict.HOLDS;
  }
}
