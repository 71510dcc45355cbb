package dev.firmament.workers.bench;

import java.time.Duration;

/**
 * The long-download profile's settings and what it is compared with: every device holds its slot
 * for {@code hold} (real time) before its final report, in a stage of pages of {@code pageSize}
 * devices and at most {@code maxInFlight} updating.
 *
 * @param pageSize P, the devices one stage run lists and starts ({@code
 *     firmament.rollout.page-size})
 * @param hold L, how long each device holds its slot from offer to final report
 * @param maxInFlight M, the stage's {@code maxInFlight}
 */
record LongDownloads(int pageSize, Duration hold, int maxInFlight) {
  /**
   * How long a stage run waits at its end, starting nothing, for all but a tenth of {@code
   * maxInFlight} to answer (the stage workflow's hand-over grace).
   */
  static final Duration HANDOVER_GRACE = Duration.ofSeconds(30);

  LongDownloads {
    if (pageSize < 1 || maxInFlight < 1 || hold.isNegative() || hold.isZero()) {
      throw new IllegalArgumentException("page size, maxInFlight and hold must be positive");
    }
  }

  /**
   * The cap docs/scaling.md derived from the code: each run first waits for slots to start its page
   * (P × L / M), then idles the whole grace, so P / (P × L / M + 30 s) devices per second.
   */
  double derivedCap() {
    return pageSize / (pageSize * seconds(hold) / maxInFlight + seconds(HANDOVER_GRACE));
  }

  /** One page every grace: P / 30 s devices per second. */
  double pageEveryGrace() {
    return pageSize / seconds(HANDOVER_GRACE);
  }

  /**
   * When the hand-over ends before its grace: it stops waiting once at most a tenth of {@code
   * maxInFlight} is open, so a run that hands over there starts its page on top of M / 10 open
   * devices, about (M / 10 + P) / L devices per second.
   */
  double earlyHandOver() {
    return (Math.max(1, maxInFlight / 10) + pageSize) / seconds(hold);
  }

  /** What the slots alone allow: M / L devices per second. */
  double uncapped() {
    return maxInFlight / seconds(hold);
  }

  /**
   * Devices per second in the steady part of a stage, from its devices' completion times in seconds
   * (ascending): the completions between the first of the second page's worth and the first of the
   * last page's worth, over the time between them. A stage's first page finishes one hold after a
   * start with every slot free, and its last page's devices finish while nothing more starts, so
   * both ends are left out. NaN when there are fewer than three pages' worth.
   */
  static double steadyRate(double[] completions, int pageSize) {
    int pages = (completions.length + pageSize - 1) / pageSize;
    if (pages < 3) {
      return Double.NaN;
    }
    int from = pageSize;
    int to = (pages - 1) * pageSize;
    double seconds = completions[to] - completions[from];
    return seconds <= 0 ? Double.NaN : (to - from) / seconds;
  }

  private static double seconds(Duration duration) {
    return duration.toMillis() / 1e3;
  }
}
