package dev.firmament.orchestrator.rollout;

/**
 * A stage's gate breached: what the cloud event {@code firmament/rollout/gate} says, so that an
 * on-call tool hears of it directly rather than reading it out of a status change.
 *
 * @param jobId the rollout
 * @param stage the stage's index
 * @param stageName the stage's name in the plan
 * @param kind whether the stage updates or rolls back
 * @param gate which gate breached: {@code FAILURE_RATE}, {@code SUCCESS_THRESHOLD} or {@code
 *     HEALTH}
 * @param action what the breach does: the plan's {@link BreachAction}
 * @param detail the numbers behind it, as operators read them in the rollout's status
 */
public record GateBreach(
    String jobId,
    int stage,
    String stageName,
    StageKind kind,
    String gate,
    BreachAction action,
    String detail) {}
