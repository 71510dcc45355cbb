package dev.firmament.delta;

import java.time.Duration;

/**
 * Outcome of {@link DeltaDiffer#diff}.
 *
 * @param decision whether to ship the delta or the full image
 * @param patch the patch bytes when the decision is {@link Decision#DELTA}; otherwise the patch
 *     that was computed and judged too large, or {@code null} when none was computed
 * @param fullImageBytes size of the zstd-compressed full image the delta was compared with: at
 *     {@link DeltaPolicy#fullImageLevel()} when the decision was close, otherwise the zstd level-3
 *     size (an upper bound, enough to decide); -1 when no comparison was made
 * @param filter branch filter the native patch uses ({@code NONE} for BSDIFF40)
 * @param zstdPatch the patch's companion for appliers that decode less: when {@code patch} is coded
 *     with LZMA ({@link DiffOptions.Codec#SMALLEST}) or carries an ABS32 or filter region table,
 *     the same candidate (script and branch filter) coded with zstd and without the table ({@link
 *     #companionBranchFilter}); otherwise {@code null}
 * @param reason human-readable explanation of the decision
 * @param elapsed wall-clock time spent
 */
public record DiffResult(
    Decision decision,
    PatchFormat format,
    byte[] patch,
    long fullImageBytes,
    String filter,
    byte[] zstdPatch,
    String reason,
    Duration elapsed) {

  /** Ship the delta or the full image. */
  public enum Decision {
    DELTA,
    USE_FULL_IMAGE
  }

  public boolean useDelta() {
    return decision == Decision.DELTA;
  }

  /**
   * The branch filter of the patch as devices name it (docs/device-protocol.md, section 7): the
   * upper-case filter name without the diff transform ({@code "ARM64"} for {@code "arm64+words"}),
   * followed by {@code "+ABS32"} when the patch carries an ABS32 table ({@code "THUMB_BL+ABS32"}
   * for {@code "thumb_bl+abs32+words+lzma"}) or {@code "+REGIONS"} when it carries a filter region
   * table ({@code "ARM64+REGIONS"}); a device decodes it when it names every part.
   */
  public String branchFilter() {
    String base = companionBranchFilter();
    if (abs32()) {
      return base + "+" + DeltaApplier.ABS32;
    }
    return regions() ? base + "+" + DeltaApplier.REGIONS : base;
  }

  /** The branch filter of the {@link #zstdPatch} companion: the filter alone, without a table. */
  public String companionBranchFilter() {
    int plus = filter.indexOf('+');
    return (plus < 0 ? filter : filter.substring(0, plus)).toUpperCase(java.util.Locale.ROOT);
  }

  /** Whether the patch carries an ABS32 table. */
  public boolean abs32() {
    return filter.contains("+abs32");
  }

  /** Whether the patch carries a filter region table. */
  public boolean regions() {
    return filter.contains("+regions");
  }

  /** The entropy stage of a native patch as devices name it: {@code "LZMA"} or {@code "ZSTD"}. */
  public String codec() {
    return filter.endsWith("+lzma") ? "LZMA" : "ZSTD";
  }

  /** This result with {@code zstdPatch} as its zstd-coded companion. */
  DiffResult withZstdPatch(byte[] zstdPatch) {
    return new DiffResult(
        decision, format, patch, fullImageBytes, filter, zstdPatch, reason, elapsed);
  }

  /** Patch size, or -1 when no patch was computed. */
  public long patchBytes() {
    return patch == null ? -1 : patch.length;
  }
}
