package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.util.EnumSet;
import java.util.List;

/**
 * The rules every device result follows, whichever table holds it (updates or rollbacks): within an
 * attempt a result only moves forward, and a terminal result stays as it is. An update's result
 * goes back only by starting a new attempt, in {@link ResultTransitions}: {@code reopenForAttempt}
 * (the rollout's retry policy) and {@code requeueFailed} (an operator's requeue) return an
 * unsuccessful result to QUEUED with the next attempt number, and a write that names an older
 * attempt is then refused. A rollback's result has no later attempt.
 */
public final class TransitionRules {
  private static final int MAX_DETAIL = 1000;

  /** The error code of a result whose device skipped the states the protocol requires. */
  public static final String PROTOCOL_VIOLATION = "PROTOCOL_VIOLATION";

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
