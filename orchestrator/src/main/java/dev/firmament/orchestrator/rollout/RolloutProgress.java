package dev.firmament.orchestrator.rollout;

/**
 * Counters of a rollout, readable by query at any moment and returned when it ends.
 *
 * @param status the rollout's status
 * @param total devices targeted
 * @param started devices whose update has been started
 * @param inFlight devices currently updating
 * @param succeeded devices updated to the target version
 * @param skipped devices that already ran the target version
 * @param failed devices that ended in FAILED, REJECTED or ROLLED_BACK
 * @param timedOut devices that did not finish within the device timeout
 */
public record RolloutProgress(
    RolloutStatus status,
    int total,
    int started,
    int inFlight,
    int succeeded,
    int skipped,
    int failed,
    int timedOut) {}
