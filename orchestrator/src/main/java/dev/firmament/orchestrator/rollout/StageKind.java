package dev.firmament.orchestrator.rollout;

/** What a stage delivers. */
public enum StageKind {
  /** The rollout's firmware to the stage's share of the targets. */
  UPDATE,
  /** Each device this rollout changed gets its previous version back. */
  ROLLBACK
}
