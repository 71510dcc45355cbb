package dev.firmament.orchestrator.rollout.policy;

import dev.firmament.orchestrator.rollout.StageSelection;

/**
 * How many of the remaining targets a PERCENT or COUNT stage takes. A percentage rounds up, so that
 * a small fleet still gets a non-empty stage; a count takes at most what remains.
 */
public final class StageSizing {
  private StageSizing() {}

  public static int size(StageSelection selection, int remaining) {
    if (remaining <= 0) {
      return 0;
    }
    return switch (selection.kind()) {
      case PERCENT -> (int) Math.min(remaining, (remaining * (long) selection.amount() + 99) / 100);
      case COUNT -> Math.min(remaining, selection.amount());
      case GROUP -> throw new IllegalArgumentException("a GROUP stage takes its group's members");
    };
  }
}
