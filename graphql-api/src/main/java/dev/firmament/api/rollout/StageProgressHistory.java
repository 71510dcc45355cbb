package dev.firmament.api.rollout;

import dev.firmament.api.error.ApiException;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One recorded stage's finished devices over time ({@code OTAStageProgressHistory}), computed in
 * PostgreSQL from the results' history: at each point, how many of the stage's devices were then in
 * a state {@link JobProgress#finished()} counts. A device counts in the stage that holds it now, as
 * in {@link StageProgress}; a rollback stage's devices are its rollback results.
 *
 * @param stage the stage's index
 * @param name the stage's name
 * @param devices the results the stage holds
 * @param points evenly spaced from the stage's start to its devices' latest transition, both
 *     included, oldest first
 */
public record StageProgressHistory(int stage, String name, int devices, List<Point> points) {
  static final int MIN_POINTS = 2;
  static final int MAX_POINTS = 500;
  static final int DEFAULT_POINTS = 60;

  /** The stage's finished devices at one time. */
  public record Point(OffsetDateTime at, int finished) {}

  /** Checks a {@code points} argument; null takes the default. */
  static int points(Integer points) {
    int n = points == null ? DEFAULT_POINTS : points;
    if (n < MIN_POINTS || n > MAX_POINTS) {
      throw ApiException.invalid(
          "points must be between " + MIN_POINTS + " and " + MAX_POINTS + ", got " + n);
    }
    return n;
  }
}
