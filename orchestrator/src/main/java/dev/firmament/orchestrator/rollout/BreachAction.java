package dev.firmament.orchestrator.rollout;

/** What a stage does when its gate is breached. */
public enum BreachAction {
  /** Stop starting devices and wait for an operator to resume (or cancel). */
  PAUSE,
  /** Stop starting devices, let the running ones finish, end the rollout ABORTED. */
  ABORT,
  /** Stop, then deliver every device this rollout changed its previous version. */
  ROLLBACK
}
