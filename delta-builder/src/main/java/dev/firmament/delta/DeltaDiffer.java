package dev.firmament.delta;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.firmament.delta.internal.Abs32Table;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.Bsdiff40Format;
import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffPool;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.internal.RegionTable;
import dev.firmament.delta.internal.SuffixArray;
import dev.firmament.manifest.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * Computes binary deltas between firmware images: a suffix array (SA-IS) of the old image, the
 * bsdiff match-extension scan, then either our native format (branch filters, zstd streams) or
 * classic BSDIFF40. Applies the {@link DeltaPolicy}: size and time budgets, early detection of
 * pairs where a delta cannot pay, and the final delta-versus-full decision.
 *
 * <p>Thread-safe and stateless; works on in-memory images (the size budget bounds them).
 */
public final class DeltaDiffer {
  /** Below this size the early screen is skipped: a full diff is cheaper than guessing. */
  static final int SCREEN_MIN_BYTES = 256 * 1024;

  /**
   * The largest hash and chain tables of the screen's estimate, as a power of two of entries: 2^24
   * (64 MiB each) covers 16 MiB of old and new image; larger images are screened with what fits.
   */
  static final int SCREEN_MAX_TABLE_LOG = 24;

  private DeltaDiffer() {}

  /** Diffs with {@link DiffOptions#DEFAULT}. */
  public static DiffResult diff(byte[] oldImage, byte[] newImage) throws IOException {
    return diff(oldImage, newImage, DiffOptions.DEFAULT);
  }

  public static DiffResult diff(byte[] oldImage, byte[] newImage, DiffOptions options)
      throws IOException {
    long t0 = System.nanoTime();
    DeltaPolicy policy = options.policy();
    PatchFormat format = options.format();
    long max = policy.maxImageBytes();
    if (oldImage.length > max || newImage.length > max) {
      return full(
          format,
          null,
          -1,
          "none",
          "size budget: images of "
              + oldImage.length
              + " and "
              + newImage.length
              + " bytes exceed "
              + max,
          t0);
    }

    ExecutorService pool = pool();
    try {
      return diff(oldImage, newImage, options, t0, pool);
    } finally {
      pool.shutdownNow();
    }
  }

  private static DiffResult diff(
      byte[] oldImage, byte[] newImage, DiffOptions options, long t0, ExecutorService pool)
      throws IOException {
    DeltaPolicy policy = options.policy();
    PatchFormat format = options.format();
    long deadline = t0 + policy.timeBudget().toNanos();
    // The compressed size of the whole new image at a fast level: the screen's yardstick and an
    // upper bound for the final decision. Computed once, next to the screen's own compression.
    CompletableFuture<Long> fullFastF =
        CompletableFuture.supplyAsync(() -> (long) Zstd.compress(newImage, 3).length, pool);
    // By default two filters at most (none and the likely one), so on 2 cores the two suffix
    // sorts run at once; one on large images dense with calls, whose scan then has a scan ahead
    // on the other core.
    List<BranchFilter> filters = candidateFilters(newImage, options);
    // The work is split into small tasks (per filter: filtering and suffix sort, then the scans
    // of its slacks; per slack and diff transform: the size estimate) on a pool of at most
    // DiffPool.MAX_THREADS threads; with three filters on 2 cores the third filter's sort overlaps
    // the
    // other filters' scans. The candidates are ranked in the fixed order (filter, slack, transform)
    // whatever the completion order, so the chosen patch is the one a sequential run would choose.
    // The jobs start before the early screen below, which runs on this thread: the sorts use the
    // cores the screen leaves idle, and a screen that settles on the full image shuts the pool
    // down, which stops the sorts at their next pass (SuffixArray checks for the interruption).
    CompletableFuture<byte[]> oldShaF =
        CompletableFuture.supplyAsync(() -> Sha256.digest(oldImage), pool);
    CompletableFuture<byte[]> newShaF =
        CompletableFuture.supplyAsync(() -> Sha256.digest(newImage), pool);
    List<FilterJob> jobs = new ArrayList<>();
    for (BranchFilter f : filters) {
      jobs.add(FilterJob.start(oldImage, newImage, f, options, deadline, pool));
    }
    if (newImage.length >= SCREEN_MIN_BYTES && oldImage.length > 0) {
      long estimate;
      try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
        ctx.setLevel(3);
        // The window must reach back over the whole old image, or the dictionary is ignored.
        long span = (long) oldImage.length + newImage.length;
        int windowLog = Math.max(20, Math.min(30, 64 - Long.numberOfLeadingZeros(span)));
        ctx.setWindowLog(windowLog);
        ctx.setLong(windowLog);
        // And the match finder's tables must hold the whole old image: at level 3's own sizes they
        // keep a fraction of a dictionary of a few MB and the estimate sees almost nothing of it
        // (97% of the full image for 2.4 MB ARMv7 and RISC-V binaries that a diff takes to 40-50%),
        // so the screen settled as "full image" pairs well worth a delta.
        int tableLog = Math.min(windowLog, SCREEN_MAX_TABLE_LOG);
        ctx.setHashLog(tableLog);
        ctx.setChainLog(tableLog);
        ctx.loadDict(oldImage);
        estimate = ctx.compress(newImage).length;
      }
      long fullFast = join(fullFastF);
      if (estimate >= policy.screenFraction() * fullFast) {
        return full(
            format,
            null,
            fullFast,
            "none",
            String.format(
                "early screen: the old image saves too little (estimate %d of %d bytes,"
                    + " %.1f%%), not worth a delta",
                estimate, fullFast, 100.0 * estimate / fullFast),
            t0);
      }
    }

    List<Candidate> all = new ArrayList<>();
    for (FilterJob job : jobs) {
      String failure = job.failure(options);
      if (failure != null) {
        return full(format, null, -1, "none", failure, t0);
      }
      all.addAll(job.results());
    }
    byte[] oldSha = join(oldShaF);
    byte[] newSha = join(newShaF);
    // Stable: equal estimates keep the fixed order.
    all.sort(java.util.Comparator.comparingLong(Candidate::estimate));
    Candidate best = all.getFirst();
    byte[] patch;
    // The winner coded with zstd when LZMA made it smaller: published beside it for appliers that
    // do not decode LZMA.
    byte[] zstdPatch = null;
    // "+abs32" or "+regions" when the patch carries that table, else "".
    String stage = "";
    // When even the best estimate is a large part of the compressed image, the decision will need
    // the image's size at the policy's level: compress it beside the finalists, not after them.
    long fullFast = join(fullFastF);
    CompletableFuture<Long> exactFullF = null;
    if (best.estimate >= EXACT_FULL_FRACTION * fullFast) {
      exactFullF =
          CompletableFuture.supplyAsync(
              () -> (long) Zstd.compress(newImage, policy.fullImageLevel()).length, pool);
    }
    if (format == PatchFormat.BSDIFF40) {
      patch = best.estimatePatch;
    } else {
      // The estimate ranks at a fast level; the best FINALISTS are encoded at the final level,
      // concurrently. The first smallest wins, as in a sequential loop.
      Candidate first = all.getFirst();
      CompletableFuture<NativeFormat.Encoded> firstF =
          CompletableFuture.supplyAsync(
              () -> encode(first, options.level(), options.chunkSize(), true), pool);
      // The best-ranked candidate with an ABS32 table (section 3.1 of docs/delta-format.md), when
      // its alignment gives one, encoded beside the finalists; kept only when smaller.
      CompletableFuture<NativeFormat.Encoded> abs32F =
          options.abs32()
              ? CompletableFuture.supplyAsync(
                  () -> encodeAbs32(first, options.level(), options.chunkSize()), pool)
              : CompletableFuture.completedFuture(null);
      // Filter regions (section 3.2) for the best-ranked candidate with a branch filter, chosen
      // and estimated at level 3 here (tens of milliseconds). When that estimate beats the best
      // candidate's, the regions' patch takes the second finalist's place: the finalists are then
      // the best-ranked candidate and the filtered one, whose plain patch is the companion.
      Candidate filtered = options.regions() ? firstFiltered(all) : null;
      RegionPlan plan =
          filtered == null
              ? null
              : RegionPlan.of(filtered, oldImage, newImage, first.estimate, options.chunkSize());
      List<Candidate> finalists =
          plan == null
              ? all.subList(0, Math.min(FINALISTS, all.size()))
              : filtered == first ? List.of(first) : List.of(first, filtered);
      CompletableFuture<NativeFormat.Encoded> regionsF =
          plan == null
              ? CompletableFuture.completedFuture(null)
              : CompletableFuture.supplyAsync(
                  () -> plan.encode(options.level(), options.chunkSize()), pool);
      List<CompletableFuture<NativeFormat.Encoded>> encodings = new ArrayList<>();
      encodings.add(firstF);
      for (Candidate c : finalists.subList(1, finalists.size())) {
        encodings.add(
            CompletableFuture.supplyAsync(
                () -> encode(c, options.level(), options.chunkSize(), true), pool));
      }
      List<NativeFormat.Encoded> encoded = new ArrayList<>();
      NativeFormat.Encoded bestEncoded = null;
      for (int i = 0; i < finalists.size(); i++) {
        NativeFormat.Encoded e = join(encodings.get(i));
        encoded.add(e);
        if (bestEncoded == null || e.size() < bestEncoded.size()) {
          bestEncoded = e;
          best = finalists.get(i);
        }
      }
      NativeFormat.Encoded abs32Encoded = join(abs32F);
      NativeFormat.Encoded regionsEncoded = join(regionsF);
      // The regions are in the running when their zstd streams beat the plain winner's; then only
      // their LZMA pass runs, and the plain winner is coded with zstd alone.
      boolean regionsAhead = regionsEncoded != null && regionsEncoded.size() < bestEncoded.size();
      DiffOptions zstdOnly = options.withCodec(DiffOptions.Codec.ZSTD);
      Finished plain = finish(bestEncoded, oldSha, newSha, regionsAhead ? zstdOnly : options, pool);
      Finished projected =
          abs32Encoded == null ? null : finish(abs32Encoded, oldSha, newSha, options, pool);
      Finished regioned =
          regionsAhead ? finish(regionsEncoded, oldSha, newSha, options, pool) : null;
      patch = plain.smallest();
      // The companion: the same candidate without a table, coded with zstd.
      byte[] companion = plain.zstd();
      Candidate plainWinner = best;
      if (projected != null && projected.smallest().length < patch.length) {
        best = first;
        stage = "+abs32";
        patch = projected.smallest();
      }
      if (regioned != null && regioned.smallest().length < patch.length) {
        best = filtered;
        stage = "+regions";
        patch = regioned.smallest();
      }
      if (best != plainWinner) {
        // The plain winner was another finalist: the companion is the chosen candidate's plain
        // patch (both ABS32's and the regions' candidates are finalists).
        companion =
            finish(encoded.get(finalists.indexOf(best)), oldSha, newSha, zstdOnly, pool).zstd();
      }
      if (patch != companion) {
        zstdPatch = companion;
      }
    }
    DiffResult decided =
        decide(format, policy, newImage, patch, best, stage, fullFast, exactFullF, t0);
    return zstdPatch == null || !decided.useDelta() ? decided : decided.withZstdPatch(zstdPatch);
  }

  /**
   * Whether {@link DiffOptions.Filter#AUTO} tries the likely filter alone, without the unfiltered
   * candidate: for a new image of at least {@link #FILTER_ALONE_MIN_BYTES} with at least one
   * in-image call per {@link #FILTER_ALONE_BYTES_PER_CALL} bytes. Large images that dense with
   * calls are code, and there the filter won by 8-15% on every pair of the corpus (the four large
   * pairs of the tune half; the four of the held-out half agree); skipping the second suffix sort
   * and scan frees a core for the scan ahead, and those pairs are the slowest to diff. Smaller
   * pairs keep both: on small updates of 100-300 KB images the unfiltered patch won on four pairs
   * of the corpus (by up to 10%).
   */
  static boolean filterAlone(int newBytes, long calls) {
    return newBytes >= FILTER_ALONE_MIN_BYTES && calls * FILTER_ALONE_BYTES_PER_CALL >= newBytes;
  }

  static final int FILTER_ALONE_MIN_BYTES = 1 << 20;
  static final int FILTER_ALONE_BYTES_PER_CALL = 64;

  /**
   * The branch filters the differ tries, in ranking order: for {@link DiffOptions.Filter#AUTO} no
   * filter plus {@link BranchFilter#likelyFor} the new image when it names one (that filter alone
   * when {@link #filterAlone}); for {@link DiffOptions.Filter#ALL} every filter {@link
   * BranchFilter#plausibleFor} it (a superset).
   */
  static List<BranchFilter> candidateFilters(byte[] newImage, DiffOptions options) {
    if (options.format() == PatchFormat.BSDIFF40) {
      return List.of(BranchFilter.NONE);
    }
    return switch (options.filter()) {
      case AUTO -> {
        BranchFilter.Likely likely = BranchFilter.strongest(newImage);
        if (likely.filter() == BranchFilter.NONE) {
          yield List.of(BranchFilter.NONE);
        }
        yield filterAlone(newImage.length, likely.calls())
            ? List.of(likely.filter())
            : List.of(BranchFilter.NONE, likely.filter());
      }
      case ALL -> {
        List<BranchFilter> all = new ArrayList<>();
        for (BranchFilter f : BranchFilter.values()) {
          if (f.plausibleFor(newImage)) {
            all.add(f);
          }
        }
        yield all;
      }
      default -> List.of(BranchFilter.valueOf(options.filter().name()));
    };
  }

  /**
   * Above this fraction of the image's fast-compressed size a patch is compared with the image
   * compressed at the policy's level; below it, the fast size already shows the delta is smaller.
   */
  static final double EXACT_FULL_FRACTION = 0.45;

  private static DiffResult decide(
      PatchFormat format,
      DeltaPolicy policy,
      byte[] newImage,
      byte[] patch,
      Candidate best,
      String stage,
      long fullFast,
      CompletableFuture<Long> exactFullF,
      long t0)
      throws IOException {
    String filterName = best.filter.name().toLowerCase(java.util.Locale.ROOT) + stage;
    if (best.transform == DiffTransform.WORDS) {
      filterName += "+words";
    }
    if (format == PatchFormat.NATIVE
        && patch != null
        && patch.length > 8
        && patch[8] == NativeFormat.CODEC_LZMA) {
      filterName += "+lzma";
    }
    // Size of the compressed full image. A fast level gives an upper bound of the level the
    // policy names; the slow exact figure is only needed when the delta is not clearly smaller
    // (started beside the finalists when the estimates showed it would be).
    long full = fullFast;
    boolean exact = false;
    if (patch.length >= EXACT_FULL_FRACTION * fullFast) {
      full =
          exactFullF != null
              ? join(exactFullF)
              : Zstd.compress(newImage, policy.fullImageLevel()).length;
      exact = true;
    }
    double fraction = full == 0 ? Double.POSITIVE_INFINITY : (double) patch.length / full;
    String of = exact ? "" : "at most ";
    if (patch.length >= policy.maxFractionOfFull() * full) {
      return full(
          format,
          patch,
          full,
          filterName,
          String.format(
              "delta of %d bytes is %.1f%% of the %d-byte compressed image (limit %.0f%%)",
              patch.length, 100 * fraction, full, 100 * policy.maxFractionOfFull()),
          t0);
    }
    return new DiffResult(
        DiffResult.Decision.DELTA,
        format,
        patch,
        full,
        filterName,
        null,
        String.format(
                "delta of %d bytes is %s%.1f%% of the %d-byte compressed image",
                patch.length, exact ? "" : "under ", 100 * fraction, full)
            + (exact
                ? ""
                : " (" + of + "level-3 size; level " + policy.fullImageLevel() + " not needed)"),
        Duration.ofNanos(System.nanoTime() - t0));
  }

  /** Slack values tried by the native scan; bsdiff 4 uses 8. */
  static final int[] SLACKS = {8, 12, 16};

  /**
   * Slack tried for images above 256 KiB (one scan per filter; 16 was best or within 0.5% there).
   */
  static final int[] LARGE_SLACKS = {16};

  private record Candidate(
      BranchFilter filter,
      DiffTransform transform,
      byte[] fOld,
      byte[] fNew,
      DiffScript script,
      long estimate,
      byte[] estimatePatch) {}

  private static ExecutorService pool() {
    return DiffPool.create("delta-diff");
  }

  /** Candidates written at the final level after ranking by the fast estimate. */
  static final int FINALISTS = 2;

  private static NativeFormat.Encoded encode(
      Candidate c, int level, int chunkSize, boolean keepRawDiff) {
    try {
      return NativeFormat.encode(
          c.fOld, c.fNew, c.script, c.filter, c.transform, level, chunkSize, keepRawDiff);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A winner's final patches: coded with zstd (the smaller diff coding), and with LZMA if asked.
   */
  private record Finished(byte[] zstd, byte[] lzma) {
    byte[] smallest() {
      return lzma != null && lzma.length < zstd.length ? lzma : zstd;
    }
  }

  /**
   * The final patches of an encoding: zero-run diff coding or, for chunks worth the trial, plain
   * (beside the LZMA streams), and with {@link DiffOptions.Codec#SMALLEST} the LZMA-coded patch.
   */
  private static Finished finish(
      NativeFormat.Encoded encoded,
      byte[] oldSha,
      byte[] newSha,
      DiffOptions options,
      ExecutorService pool)
      throws IOException {
    // Plain diff coding (slow to compress) is only tried for a winner; it reuses the winner's
    // other compressed streams. It runs beside the LZMA streams.
    CompletableFuture<byte[]> withPlainF =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return encoded.withPlainTrial(oldSha, newSha);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            pool);
    Optional<byte[]> lzma =
        options.codec() == DiffOptions.Codec.SMALLEST
            ? encoded.withLzma(oldSha, newSha, pool)
            : Optional.empty();
    byte[] zstd = encoded.patch(oldSha, newSha);
    byte[] withPlain = join(withPlainF);
    if (withPlain.length < zstd.length) {
      zstd = withPlain;
    }
    return new Finished(zstd, lzma.orElse(null));
  }

  /**
   * The candidate with an ABS32 table at the final level, or null when its alignment gives no table
   * or the table does not make the fast (level 3) estimate smaller: the final level is the costly
   * part, and on images whose pointers the table does not fit (the shared libraries of the corpus)
   * it would be spent for nothing.
   */
  private static NativeFormat.Encoded encodeAbs32(Candidate c, int level, int chunkSize) {
    Abs32Table table = Abs32Table.build(c.fOld, c.fNew, c.script);
    if (table == null) {
      return null;
    }
    try {
      byte[] projected = table.applyTo(c.fOld);
      long estimate =
          NativeFormat.encode(
                  projected, c.fNew, c.script, c.filter, table, c.transform, 3, chunkSize, false)
              .size();
      if (estimate >= c.estimate) {
        return null;
      }
      return NativeFormat.encode(
          projected, c.fNew, c.script, c.filter, table, c.transform, level, chunkSize, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The best-ranked candidate with a branch filter, or null. */
  private static Candidate firstFiltered(List<Candidate> ranked) {
    for (Candidate c : ranked) {
      if (c.filter != BranchFilter.NONE) {
        return c;
      }
    }
    return null;
  }

  /**
   * Candidate {@code c} with filter regions ({@link RegionTable#choose}) and its new image filtered
   * in the table's filtered regions.
   */
  private record RegionPlan(Candidate c, byte[] oldImage, RegionTable table, byte[] rNew) {
    /**
     * The plan, or null when the choice keeps the filter everywhere (or nowhere) or its fast (level
     * 3) estimate is not below {@code bestEstimate}, the best candidate's.
     */
    static RegionPlan of(
        Candidate c, byte[] oldImage, byte[] newImage, long bestEstimate, int chunkSize)
        throws IOException {
      RegionTable table = RegionTable.choose(oldImage, newImage, c.fOld, c.fNew, c.script);
      if (table == null) {
        return null;
      }
      RegionPlan plan = new RegionPlan(c, oldImage, table, table.filterNew(c.filter, newImage));
      return plan.encodeOrThrow(3, chunkSize, false).size() < bestEstimate ? plan : null;
    }

    NativeFormat.Encoded encode(int level, int chunkSize) {
      try {
        return encodeOrThrow(level, chunkSize, true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private NativeFormat.Encoded encodeOrThrow(int level, int chunkSize, boolean keepRaw)
        throws IOException {
      return NativeFormat.encode(
          c.fOld,
          oldImage,
          rNew,
          c.script,
          c.filter,
          table,
          c.transform,
          level,
          chunkSize,
          keepRaw);
    }
  }

  /** A scan that gave up on the time budget. */
  private static final DiffScript OVER_BUDGET = new DiffScript();

  private static DiffScript[] overBudget(int n) {
    DiffScript[] scripts = new DiffScript[n];
    java.util.Arrays.fill(scripts, OVER_BUDGET);
    return scripts;
  }

  /** Filtered images plus their suffix array, or null when the budget ran out while sorting. */
  private record Sorted(byte[] fOld, byte[] fNew, int[] sa) {}

  /**
   * One branch filter's tasks: filtering and suffix sort, then a scan per slack value (in one task
   * that shares their searches) and, for native patches, a fast (zstd level 3) size estimate per
   * scan and diff transform.
   */
  private record FilterJob(
      BranchFilter filter,
      CompletableFuture<Sorted> sorted,
      List<CompletableFuture<DiffScript>> scans,
      List<CompletableFuture<Candidate>> candidates) {

    static FilterJob start(
        byte[] oldImage,
        byte[] newImage,
        BranchFilter f,
        DiffOptions options,
        long deadline,
        ExecutorService pool) {
      CompletableFuture<Sorted> sorted =
          CompletableFuture.supplyAsync(
              () -> {
                byte[] fOld = oldImage;
                byte[] fNew = newImage;
                if (f != BranchFilter.NONE) {
                  fOld = oldImage.clone();
                  fNew = newImage.clone();
                  f.encode(fOld, 0, fOld.length, 0);
                  f.encode(fNew, 0, fNew.length, 0);
                }
                int[] sa = SuffixArray.build(fOld);
                if (System.nanoTime() - deadline > 0) {
                  return null;
                }
                return new Sorted(fOld, fNew, sa);
              },
              pool);
      boolean bsdiff40 = options.format() == PatchFormat.BSDIFF40;
      int[] slacks =
          bsdiff40
              ? new int[] {BsdiffScanner.CLASSIC_SLACK}
              : newImage.length <= SCREEN_MIN_BYTES ? SLACKS : LARGE_SLACKS;
      List<CompletableFuture<DiffScript>> scans = new ArrayList<>();
      List<CompletableFuture<Candidate>> candidates = new ArrayList<>();
      // Several slacks are scanned in one task that shares their searches (BsdiffScanner.scanAll):
      // on 2 cores that beats one task per slack, and the filters' tasks still run side by side.
      CompletableFuture<DiffScript[]> scripts =
          sorted.thenApplyAsync(
              s -> {
                if (s == null) {
                  return overBudget(slacks.length);
                }
                try {
                  return BsdiffScanner.scanAll(s.fOld, s.fNew, s.sa, slacks, deadline, pool);
                } catch (BsdiffScanner.BudgetExceededException e) {
                  return overBudget(slacks.length);
                }
              },
              pool);
      for (int i = 0; i < slacks.length; i++) {
        int slackIndex = i;
        CompletableFuture<DiffScript> scan = scripts.thenApply(all -> all[slackIndex]);
        scans.add(scan);
        if (bsdiff40) {
          candidates.add(
              scan.thenApplyAsync(
                  script -> {
                    if (script == OVER_BUDGET) {
                      return null;
                    }
                    Sorted s = sorted.join();
                    try {
                      byte[] patch = Bsdiff40Format.write(s.fOld, s.fNew, script);
                      return new Candidate(
                          f, DiffTransform.BYTES, s.fOld, s.fNew, script, patch.length, patch);
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  },
                  pool));
          continue;
        }
        for (DiffTransform t : DiffTransform.values()) {
          candidates.add(
              scan.thenApplyAsync(
                  script -> {
                    if (script == OVER_BUDGET) {
                      return null;
                    }
                    Sorted s = sorted.join();
                    Candidate c = new Candidate(f, t, s.fOld, s.fNew, script, 0, null);
                    long size = encode(c, 3, options.chunkSize(), false).size();
                    return new Candidate(f, t, s.fOld, s.fNew, script, size, null);
                  },
                  pool));
        }
      }
      return new FilterJob(f, sorted, scans, candidates);
    }

    /** Waits for the sort and the scans; the reason to give up, or null. */
    String failure(DiffOptions options) throws IOException {
      if (join(sorted) == null) {
        return "time budget exceeded while sorting";
      }
      for (CompletableFuture<DiffScript> scan : scans) {
        if (join(scan) == OVER_BUDGET) {
          return "time budget of " + options.policy().timeBudget() + " exceeded while diffing";
        }
      }
      return null;
    }

    List<Candidate> results() throws IOException {
      List<Candidate> out = new ArrayList<>();
      for (CompletableFuture<Candidate> c : candidates) {
        out.add(join(c));
      }
      return out;
    }
  }

  private static <T> T join(CompletableFuture<T> f) throws IOException {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  private static DiffResult full(
      PatchFormat format, byte[] patch, long fullBytes, String filter, String reason, long t0) {
    return new DiffResult(
        DiffResult.Decision.USE_FULL_IMAGE,
        format,
        patch,
        fullBytes,
        filter,
        null,
        reason,
        Duration.ofNanos(System.nanoTime() - t0));
  }
}
