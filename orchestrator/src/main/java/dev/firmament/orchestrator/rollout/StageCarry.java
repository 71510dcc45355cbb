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
 * @param controls the operator's controls the run received after it decided to continue as new
 *     (while its last writes finished), which the next run acts on; null in runs recorded before
 */
public record StageCarry(
    long afterPosition,
    StageCounters counters,
    boolean paused,
    int breachesHandled,
    double ratePerMinute,
    int successesSinceRaise,
    long nextStartAt,
    List<OpenDevice> open,
    Controls controls) {

  /**
   * Controls a stage run received and has not acted on yet.
   *
   * @param retryRequested retry-failed
   * @param promoted promote (end the soak)
   * @param canceled cancel
   * @param abortReason abort, with its reason (null without)
   */
  public record Controls(
      boolean retryRequested, boolean promoted, boolean canceled, String abortReason) {
    public static final Controls NONE = new Controls(false, false, false, null);
  }

  public StageCarry {
    open = open == null ? List.of() : List.copyOf(open);
    controls = controls == null ? Controls.NONE : controls;
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
        List.of(),
        Controls.NONE);
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
        handedOver,
        controls);
  }
}
