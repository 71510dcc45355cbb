package dev.firmament.delta;

import java.util.Objects;

/**
 * Options of {@link DeltaDiffer}.
 *
 * @param format patch format to write
 * @param filter branch filter for native patches ({@link Filter#AUTO}: no filter and the one most
 *     likely for the image's instruction set; {@link Filter#ALL}: every plausible filter; in both
 *     cases the smallest patch is kept)
 * @param level zstd level of the native streams (1..22, default 22)
 * @param chunkSize new-image bytes per native chunk (4 KiB..8 MiB, default 1 MiB); bounds the
 *     applier's memory
 * @param policy delta-versus-full decision and budgets
 * @param codec entropy stage of native patches ({@link Codec#ZSTD} by default: what every applier
 *     decodes)
 * @param abs32 whether a native patch may carry an ABS32 table (docs/delta-format.md, section 3.1;
 *     kept only when the patch is smaller with it; on by default): appliers decode it only when
 *     they say so, and a patch with it comes with a companion without it ({@link
 *     DiffResult#zstdPatch})
 * @param regions whether a native patch may apply its branch filter to some regions of the image
 *     only (docs/delta-format.md, section 3.2; kept only when the patch is smaller with them; on by
 *     default): as with ABS32, appliers decode them only when they say so, and such a patch comes
 *     with a companion without them
 */
public record DiffOptions(
    PatchFormat format,
    Filter filter,
    int level,
    int chunkSize,
    DeltaPolicy policy,
    Codec codec,
    boolean abs32,
    boolean regions) {

  /** Entropy stage of native patches (docs/delta-format.md, header byte 8). */
  public enum Codec {
    /** zstd streams, decoded by every applier. */
    ZSTD,
    /**
     * Raw LZMA streams when that patch is smaller than the zstd one (it was on every pair we
     * measured, by 2-9%); the applier needs LZMA decoding.
     */
    SMALLEST
  }

  /** Options with zstd streams. */
  public DiffOptions(
      PatchFormat format, Filter filter, int level, int chunkSize, DeltaPolicy policy) {
    this(format, filter, level, chunkSize, policy, Codec.ZSTD, true, true);
  }

  /** Branch filter choice. */
  public enum Filter {
    /**
     * Tries no filter and the branch filter whose calls are densest in the new image (see {@code
     * BranchFilter.likelyFor}), if any: at most two candidates, one suffix sort each.
     */
    AUTO,
    /** Tries every filter that is plausible for the new image (one suffix sort each). */
    ALL,
    NONE,
    THUMB_BL,
    ARM_BL,
    ARM64,
    X86,
    RISCV,
    XTENSA
  }

  public static final DiffOptions DEFAULT =
      new DiffOptions(PatchFormat.NATIVE, Filter.AUTO, 22, 1 << 20, DeltaPolicy.DEFAULT);

  public DiffOptions {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(codec, "codec");
    if (level < 1 || level > 22) {
      throw new IllegalArgumentException("level must be 1..22");
    }
    if (chunkSize < 4096 || chunkSize > (8 << 20)) {
      throw new IllegalArgumentException("chunkSize must be 4 KiB..8 MiB");
    }
  }

  public DiffOptions withFormat(PatchFormat v) {
    return new DiffOptions(v, filter, level, chunkSize, policy, codec, abs32, regions);
  }

  public DiffOptions withFilter(Filter v) {
    return new DiffOptions(format, v, level, chunkSize, policy, codec, abs32, regions);
  }

  public DiffOptions withLevel(int v) {
    return new DiffOptions(format, filter, v, chunkSize, policy, codec, abs32, regions);
  }

  public DiffOptions withChunkSize(int v) {
    return new DiffOptions(format, filter, level, v, policy, codec, abs32, regions);
  }

  public DiffOptions withPolicy(DeltaPolicy v) {
    return new DiffOptions(format, filter, level, chunkSize, v, codec, abs32, regions);
  }

  public DiffOptions withCodec(Codec v) {
    return new DiffOptions(format, filter, level, chunkSize, policy, v, abs32, regions);
  }

  /** These options, with ABS32 tables allowed or not. */
  public DiffOptions withAbs32(boolean v) {
    return new DiffOptions(format, filter, level, chunkSize, policy, codec, v, regions);
  }

  /** These options, with filter regions allowed or not. */
  public DiffOptions withRegions(boolean v) {
    return new DiffOptions(format, filter, level, chunkSize, policy, codec, abs32, v);
  }
}
