package dev.firmament.orchestrator.rollout;

/** How a rollout moves on to a stage. */
public enum AdvanceMode {
  /** As soon as the previous stage has passed its gate and its soak. */
  AUTOMATIC,
  /** Only after an operator approves the stage. */
  APPROVAL
}
