package dev.firmament.orchestrator.rollout;

import java.util.List;

/**
 * What a stage workflow hands to its next run when it continues as new after a page.
 *
 * @param afterPosition the position of the last device it started
 * @param counters its counts so far
 * @param paused whether an operator or the gate paused it
 * @param breachesHandled failures already judged by a PAUSE breach (a resumed stage pauses again
 *     only when more failures arrive)
 * @param ratePerMinute the current start rate (0 without a rate plan)
 * @param successesSinceRaise successes since the rate was last raised
 * @param nextStartAt the earliest workflow time (epoch millis) the rate allows the next start
 * @param open the devices still updating or waiting out a retry backoff, which the next run takes
 *     over (empty for runs that drained their page first)
 */
public record StageCarry(
    long afterPosition,
    StageCounters counters,
    boolean paused,
    int breachesHandled,
    double ratePerMinute,
    int successesSinceRaise,
    long nextStartAt,
    List<OpenDevice> open) {

  public StageCarry {
    open = open == null ? List.of() : List.copyOf(open);
  }

  /** The carry of a stage's first run: nothing started yet, the rate at its base. */
  public static StageCarry initial(StagePlan plan, StageCounters counters) {
    return new StageCarry(
        0L,
        counters,
        false,
        0,
        plan.rate() == null ? 0 : plan.rate().basePerMinute(),
        0,
        0L,
        List.of());
  }

  /** This carry with the stragglers an earlier stage handed over, for this stage to take over. */
  public StageCarry withOpen(List<OpenDevice> handedOver) {
    return new StageCarry(
        afterPosition,
        counters,
        paused,
        breachesHandled,
        ratePerMinute,
        successesSinceRaise,
        nextStartAt,
        handedOver);
  }
}
