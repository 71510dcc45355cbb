package dev.firmament.orchestrator.rollout.policy;

/** What a gate says about a stage's counts. */
public enum GateVerdict {
  /** Keep going (or, at the end, advance). */
  HOLDS,
  /** Too many failures: apply the gate's breach action. */
  BREACHED
}
