package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a later stage run finds when it takes over a device's attempt (the run that started it
 * continued as new while the device worked).
 *
 * @param kind whether the attempt is still open (the new activity's token is stored, so the
 *     device's final report completes it), already ended, or was never offered
 * @param ended the attempt's outcome when it ended, else null
 */
public record TakeOver(Kind kind, DeviceUpdateOutcome ended) {

  /** Where the attempt stands. */
  public enum Kind {
    /** Offered and not finished: the new activity waits for the device's final report. */
    OPEN,
    /** Finished before the new run took it over: its outcome answers at once. */
    ENDED,
    /** Never offered (the first run's activity never ran): it is offered as a first attempt. */
    NOT_OFFERED
  }

  /** The states between offer and final report, in which a token may be taken over. */
  public static final Set<DeviceUpdateState> IN_PROGRESS =
      EnumSet.of(
          DeviceUpdateState.SENT,
          DeviceUpdateState.DOWNLOADING,
          DeviceUpdateState.VERIFYING,
          DeviceUpdateState.INSTALLING,
          DeviceUpdateState.REBOOTING);

  static final TakeOver OPEN_ATTEMPT = new TakeOver(Kind.OPEN, null);
  static final TakeOver NOT_OFFERED_YET = new TakeOver(Kind.NOT_OFFERED, null);
}
