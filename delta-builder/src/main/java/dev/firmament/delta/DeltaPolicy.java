package dev.firmament.delta;

import java.time.Duration;
import java.util.Objects;

/**
 * When a delta is worth shipping.
 *
 * @param maxFractionOfFull a delta is used only when it is smaller than this fraction of the
 *     zstd-compressed full image (default 0.9)
 * @param fullImageLevel zstd level used to size the full image (default 19, what the artifact store
 *     ships); computed only when the delta is at least 45% of the fast level-3 size (below that,
 *     level 19 would have to be more than twice as small as level 3 to change the decision)
 * @param timeBudget wall-clock budget for computing one delta (default 60 s); when exceeded the
 *     differ reports "use the full image"
 * @param maxImageBytes size budget: larger old or new images are not diffed (default 64 MiB)
 * @param screenFraction early exit: before the full diff, the differ estimates the delta with a
 *     fast zstd pass that uses the old image as a dictionary; if that estimate is at least this
 *     fraction of a fast estimate of the full image the pair is settled as "use the full image"
 *     without running the suffix sort (default 0.97: only images that the old one barely helps,
 *     such as already-compressed ones)
 */
public record DeltaPolicy(
    double maxFractionOfFull,
    int fullImageLevel,
    Duration timeBudget,
    long maxImageBytes,
    double screenFraction) {

  public static final DeltaPolicy DEFAULT =
      new DeltaPolicy(0.9, 19, Duration.ofSeconds(60), 64L << 20, 0.97);

  public DeltaPolicy {
    Objects.requireNonNull(timeBudget, "timeBudget");
    if (!(maxFractionOfFull > 0)) {
      throw new IllegalArgumentException("maxFractionOfFull must be positive");
    }
    if (fullImageLevel < 1 || fullImageLevel > 22) {
      throw new IllegalArgumentException("fullImageLevel must be 1..22");
    }
    if (maxImageBytes < 0 || maxImageBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("maxImageBytes must be 0..2^31-17");
    }
  }

  public DeltaPolicy withMaxFractionOfFull(double v) {
    return new DeltaPolicy(v, fullImageLevel, timeBudget, maxImageBytes, screenFraction);
  }

  public DeltaPolicy withTimeBudget(Duration v) {
    return new DeltaPolicy(maxFractionOfFull, fullImageLevel, v, maxImageBytes, screenFraction);
  }

  public DeltaPolicy withMaxImageBytes(long v) {
    return new DeltaPolicy(maxFractionOfFull, fullImageLevel, timeBudget, v, screenFraction);
  }

  public DeltaPolicy withScreenFraction(double v) {
    return new DeltaPolicy(maxFractionOfFull, fullImageLevel, timeBudget, maxImageBytes, v);
  }
}
