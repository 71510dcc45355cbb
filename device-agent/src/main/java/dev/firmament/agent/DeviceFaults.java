package dev.firmament.agent;

import java.time.Duration;
import java.util.Objects;

/**
 * The misbehaviour a simulated device shows, fixed when the device is created.
 *
 * @param neverAnswer connects and publishes presence but ignores every command
 * @param dropMidTransfer drops its connection once, halfway through each download, and reconnects
 *     after the agent's reconnect delay (the broker publishes its last will)
 * @param corruptChunk flips a byte in one chunk of each download, so the hash check fails
 * @param failBoot the new slot does not boot: reports {@code ROLLED_BACK}/{@code BOOT_FAILED}
 * @param revertAfterSuccess reports {@code SUCCEEDED}, then after another reboot delay reverts to
 *     the old slot and reports {@code ROLLED_BACK}
 * @param chunkDelay extra delay before each chunk is processed (a slow link); zero for none
 * @param callDelay extra delay before each function call or variable read is answered; zero for
 *     none
 * @param dropCallReplies runs calls but its replies never reach the cloud (lost on the way)
 * @param resetLoopEvery once it runs a version it installed, crashes this often (a panic reset: it
 *     drops its connection for its reboot delay and reports the reset in its vitals), the symptom
 *     of firmware that boots but does not stay up; zero for none
 */
public record DeviceFaults(
    boolean neverAnswer,
    boolean dropMidTransfer,
    boolean corruptChunk,
    boolean failBoot,
    boolean revertAfterSuccess,
    Duration chunkDelay,
    Duration callDelay,
    boolean dropCallReplies,
    Duration resetLoopEvery) {

  private static final DeviceFaults NONE =
      new DeviceFaults(
          false, false, false, false, false, Duration.ZERO, Duration.ZERO, false, Duration.ZERO);

  public DeviceFaults {
    Objects.requireNonNull(chunkDelay, "chunkDelay");
    Objects.requireNonNull(callDelay, "callDelay");
    resetLoopEvery = resetLoopEvery == null ? Duration.ZERO : resetLoopEvery;
    if (chunkDelay.isNegative() || callDelay.isNegative() || resetLoopEvery.isNegative()) {
      throw new IllegalArgumentException(
          "chunkDelay, callDelay and resetLoopEvery must not be negative");
    }
  }

  /** The download and call faults, with no reset loop. */
  public DeviceFaults(
      boolean neverAnswer,
      boolean dropMidTransfer,
      boolean corruptChunk,
      boolean failBoot,
      boolean revertAfterSuccess,
      Duration chunkDelay,
      Duration callDelay,
      boolean dropCallReplies) {
    this(
        neverAnswer,
        dropMidTransfer,
        corruptChunk,
        failBoot,
        revertAfterSuccess,
        chunkDelay,
        callDelay,
        dropCallReplies,
        Duration.ZERO);
  }

  /** The download faults only, with calls answered at once. */
  public DeviceFaults(
      boolean neverAnswer,
      boolean dropMidTransfer,
      boolean corruptChunk,
      boolean failBoot,
      boolean revertAfterSuccess,
      Duration chunkDelay) {
    this(
        neverAnswer,
        dropMidTransfer,
        corruptChunk,
        failBoot,
        revertAfterSuccess,
        chunkDelay,
        Duration.ZERO,
        false,
        Duration.ZERO);
  }

  /** A well-behaved device. */
  public static DeviceFaults none() {
    return NONE;
  }

  /** Whether the device has any fault. */
  public boolean any() {
    return !equals(NONE);
  }
}
