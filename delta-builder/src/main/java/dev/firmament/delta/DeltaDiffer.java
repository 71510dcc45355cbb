package dev.firmament.delta;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.Bsdiff40Format;
import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.internal.SuffixArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

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
    long deadline = t0 + policy.timeBudget().toNanos();

    if (newImage.length >= SCREEN_MIN_BYTES && oldImage.length > 0) {
      long fullFast = Zstd.compress(newImage, 3).length;
      long estimate;
      try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
        ctx.setLevel(3);
        // The window must reach back over the whole old image, or the dictionary is ignored.
        long span = (long) oldImage.length + newImage.length;
        int windowLog = Math.max(20, Math.min(30, 64 - Long.numberOfLeadingZeros(span)));
        ctx.setWindowLog(windowLog);
        ctx.setLong(windowLog);
        ctx.loadDict(oldImage);
        estimate = ctx.compress(newImage).length;
      }
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

    byte[] oldSha = sha256(oldImage);
    byte[] newSha = sha256(newImage);

    List<BranchFilter> filters = new ArrayList<>();
    if (format == PatchFormat.BSDIFF40) {
      filters.add(BranchFilter.NONE);
    } else {
      switch (options.filter()) {
        case AUTO -> {
          for (BranchFilter f : BranchFilter.values()) {
            if (f.plausibleFor(newImage)) {
              filters.add(f);
            }
          }
        }
        case NONE -> filters.add(BranchFilter.NONE);
        case THUMB_BL -> filters.add(BranchFilter.THUMB_BL);
        case ARM_BL -> filters.add(BranchFilter.ARM_BL);
      }
    }
    // One thread per filter up to the core count (the common pool has cores - 1 workers, which
    // would serialise the candidates on a 2-core machine).
    List<Candidate> all = new ArrayList<>();
    ExecutorService pool = pool(filters.size());
    try {
      List<CompletableFuture<List<Candidate>>> jobs = new ArrayList<>();
      for (BranchFilter f : filters) {
        jobs.add(
            CompletableFuture.supplyAsync(
                () -> candidates(oldImage, newImage, oldSha, newSha, f, options, deadline), pool));
      }
      for (CompletableFuture<List<Candidate>> job : jobs) {
        for (Candidate c : join(job)) {
          if (c.failure != null) {
            return full(format, null, -1, "none", c.failure, t0);
          }
          all.add(c);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    all.sort(java.util.Comparator.comparingLong(Candidate::estimate));
    Candidate best = all.getFirst();
    byte[] patch;
    if (format == PatchFormat.BSDIFF40) {
      patch = best.estimatePatch;
    } else {
      // The estimate ranks at a fast level; the best FINALISTS are written at the final level.
      patch = null;
      for (Candidate c : all.subList(0, Math.min(FINALISTS, all.size()))) {
        byte[] p =
            NativeFormat.write(
                c.fOld,
                c.fNew,
                oldSha,
                newSha,
                c.script,
                c.filter,
                c.transform,
                options.level(),
                options.chunkSize(),
                false);
        if (patch == null || p.length < patch.length) {
          patch = p;
          best = c;
        }
      }
      // Plain diff coding (slow to compress) is only tried for the winner.
      byte[] withPlain =
          NativeFormat.write(
              best.fOld,
              best.fNew,
              oldSha,
              newSha,
              best.script,
              best.filter,
              best.transform,
              options.level(),
              options.chunkSize(),
              true);
      if (withPlain.length < patch.length) {
        patch = withPlain;
      }
    }
    String filterName = best.filter.name().toLowerCase(java.util.Locale.ROOT);
    if (best.transform == DiffTransform.WORDS) {
      filterName += "+words";
    }
    // Size of the compressed full image. A fast level gives an upper bound of the level the
    // policy names; the slow exact figure is only needed when the delta is not clearly smaller.
    long fullFast = Zstd.compress(newImage, 3).length;
    long full = fullFast;
    boolean exact = false;
    if (patch.length >= 0.45 * fullFast) {
      full = Zstd.compress(newImage, policy.fullImageLevel()).length;
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
      byte[] estimatePatch,
      String failure) {
    static Candidate failed(String why) {
      return new Candidate(null, null, null, null, null, Long.MAX_VALUE, null, why);
    }
  }

  private static ExecutorService pool(int tasks) {
    int threads = Math.max(1, Math.min(tasks, Runtime.getRuntime().availableProcessors()));
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, "delta-diff");
          t.setDaemon(true);
          return t;
        });
  }

  /** Candidates written at the final level after ranking by the fast estimate. */
  static final int FINALISTS = 2;

  /**
   * One branch filter: suffix sort, scan with each slack value, and a fast (zstd level 3) size
   * estimate for each scan and diff transform.
   */
  private static List<Candidate> candidates(
      byte[] oldImage,
      byte[] newImage,
      byte[] oldSha,
      byte[] newSha,
      BranchFilter f,
      DiffOptions options,
      long deadline) {
    byte[] fOld = oldImage;
    byte[] fNew = newImage;
    if (f != BranchFilter.NONE) {
      fOld = oldImage.clone();
      fNew = newImage.clone();
      f.encode(fOld, 0, fOld.length, 0);
      f.encode(fNew, 0, fNew.length, 0);
    }
    try {
      int[] sa = SuffixArray.build(fOld);
      if (System.nanoTime() - deadline > 0) {
        return List.of(Candidate.failed("time budget exceeded while sorting"));
      }
      if (options.format() == PatchFormat.BSDIFF40) {
        DiffScript script = BsdiffScanner.scan(fOld, fNew, sa, deadline);
        byte[] patch = Bsdiff40Format.write(fOld, fNew, script);
        return List.of(
            new Candidate(f, DiffTransform.BYTES, fOld, fNew, script, patch.length, patch, null));
      }
      List<Candidate> out = new ArrayList<>();
      int[] slacks = newImage.length <= SCREEN_MIN_BYTES ? SLACKS : LARGE_SLACKS;
      for (int slack : slacks) {
        DiffScript script = BsdiffScanner.scan(fOld, fNew, sa, slack, deadline);
        for (DiffTransform t : DiffTransform.values()) {
          long size =
              NativeFormat.write(
                      fOld, fNew, oldSha, newSha, script, f, t, 3, options.chunkSize(), false)
                  .length;
          out.add(new Candidate(f, t, fOld, fNew, script, size, null, null));
        }
      }
      return out;
    } catch (BsdiffScanner.BudgetExceededException e) {
      return List.of(
          Candidate.failed(
              "time budget of " + options.policy().timeBudget() + " exceeded while diffing"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
        reason,
        Duration.ofNanos(System.nanoTime() - t0));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
