package dev.firmament.protocol.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Finds deliveries that went quiet for the stall timeout and hands each to the gateway to re-offer.
 *
 * <p>A delivery is stalled once no progress was seen for the stall timeout, doubled for each
 * re-offer since its last progress and at most {@value #MAX_BACKOFF_DOUBLINGS} times, so a device
 * that is gone is not asked four times a second forever. A delivery waiting for the byte budget is
 * never stalled: it is not the device that keeps it quiet.
 *
 * <p>Not thread-safe: the gateway sweeps from its event loop.
 */
final class StallSweeper {

  /** The stall timeout doubles at most this many times. */
  static final int MAX_BACKOFF_DOUBLINGS = 4;

  private final long stallTimeoutNanos;
  private final Predicate<GatewaySession> waitingForBudget;
  private final Consumer<GatewaySession> reoffer;

  /**
   * @param stallTimeout how long a delivery may stay quiet before its first re-offer
   * @param waitingForBudget whether a delivery waits for the byte budget
   * @param reoffer what the gateway does with a stalled delivery
   */
  StallSweeper(
      Duration stallTimeout,
      Predicate<GatewaySession> waitingForBudget,
      Consumer<GatewaySession> reoffer) {
    if (stallTimeout.isNegative()) {
      throw new IllegalArgumentException("stallTimeout must not be negative");
    }
    this.stallTimeoutNanos = stallTimeout.toNanos();
    this.waitingForBudget = waitingForBudget;
    this.reoffer = reoffer;
  }

  /** How long a delivery with {@code stalls} re-offers since its last progress may stay quiet. */
  long timeoutNanos(int stalls) {
    return stallTimeoutNanos << Math.min(stalls, MAX_BACKOFF_DOUBLINGS);
  }

  /**
   * Re-offers every stalled delivery among {@code open} as of {@code nowNanos}, and counts the
   * stall on it. Re-offering one delivery may change the others (it can free budget for them) or
   * {@code open} itself, so the sweep works on a copy and checks each delivery when it comes to it.
   *
   * @return how many deliveries were re-offered
   */
  int sweep(Collection<GatewaySession> open, long nowNanos) {
    int reoffered = 0;
    for (GatewaySession session : new ArrayList<>(open)) {
      if (waitingForBudget.test(session)
          || nowNanos - session.lastProgressNanos() < timeoutNanos(session.stalls())) {
        continue;
      }
      session.stalled(nowNanos);
      reoffer.accept(session);
      reoffered++;
    }
    return reoffered;
  }
}
