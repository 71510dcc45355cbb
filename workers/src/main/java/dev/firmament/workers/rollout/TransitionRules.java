package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.util.EnumSet;
import java.util.List;

/**
 * The rules every device result follows, whichever table holds it (updates or rollbacks): within an
 * attempt a result only moves forward, and a terminal result does not change. The one way back is
 * explicit: {@code RolloutRecords.reopenForAttempt} starts a failed result's next attempt, and a
 * write for an older attempt is refused by the attempt guard.
 */
final class TransitionRules {
  private static final int MAX_DETAIL = 1000;

  private TransitionRules() {}

  /** The states a result may be in to move to {@code target}; empty when nothing may move. */
  static List<String> allowedFrom(DeviceUpdateState target) {
    return EnumSet.allOf(DeviceUpdateState.class).stream()
        .filter(s -> !s.isTerminal() && (target.isTerminal() || s.ordinal() < target.ordinal()))
        .map(Enum::name)
        .toList();
  }

  /** A detail message cut to what the history column holds. */
  static String clip(String detail) {
    return detail == null || detail.length() <= MAX_DETAIL
        ? detail
        : detail.substring(0, MAX_DETAIL);
  }
}
