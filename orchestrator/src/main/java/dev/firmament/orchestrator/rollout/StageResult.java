package dev.firmament.orchestrator.rollout;

/**
 * How a stage ended.
 *
 * @param status SUCCEEDED, FAILED (gate breached), ABORTED or CANCELED
 * @param counters its final counts
 * @param breach the action the breached gate asks for; null unless FAILED
 * @param reason why it ended as it did, for operators
 * @param open its stragglers, handed over to the next stage: the stage advanced on the evidence of
 *     the devices that answered while these were still updating (empty when it drained)
 */
public record StageResult(
    StageStatus status,
    StageCounters counters,
    BreachAction breach,
    String reason,
    java.util.List<OpenDevice> open) {

  public StageResult {
    open = open == null ? java.util.List.of() : java.util.List.copyOf(open);
  }

  /** A stage that waited for every device it started. */
  public StageResult(
      StageStatus status, StageCounters counters, BreachAction breach, String reason) {
    this(status, counters, breach, reason, java.util.List.of());
  }
}
