package dev.firmament.orchestrator.rollout;

/**
 * One stage as the rollout's query reports it.
 *
 * @param index 0-based position in the plan (the rollback stage follows the last one)
 * @param name the stage's name
 * @param kind UPDATE or ROLLBACK
 * @param status where it stands
 * @param counters its device counts
 */
public record StageProgress(
    int index, String name, StageKind kind, StageStatus status, StageCounters counters) {}
