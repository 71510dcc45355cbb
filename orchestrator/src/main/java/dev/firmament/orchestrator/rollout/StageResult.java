package dev.firmament.orchestrator.rollout;

/**
 * How a stage ended.
 *
 * @param status SUCCEEDED, FAILED (gate breached), ABORTED or CANCELED
 * @param counters its final counts
 * @param breach the action the breached gate asks for; null unless FAILED
 * @param reason why it ended as it did, for operators
 */
public record StageResult(
    StageStatus status, StageCounters counters, BreachAction breach, String reason) {}
