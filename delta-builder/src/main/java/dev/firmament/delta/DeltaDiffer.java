package dev.firmament.delta;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.Bsdiff40Format;
import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffScript;
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

    CompletableFuture<Long> fullSize =
        CompletableFuture.supplyAsync(
            () -> (long) Zstd.compress(newImage, policy.fullImageLevel()).length);
    byte[] oldSha = sha256(oldImage);
    byte[] newSha = sha256(newImage);

    List<BranchFilter> filters = new ArrayList<>();
    if (format == PatchFormat.BSDIFF40) {
      filters.add(BranchFilter.NONE);
    } else {
      switch (options.filter()) {
        case AUTO -> filters.addAll(List.of(BranchFilter.values()));
        case NONE -> filters.add(BranchFilter.NONE);
        case THUMB_BL -> filters.add(BranchFilter.THUMB_BL);
        case ARM_BL -> filters.add(BranchFilter.ARM_BL);
      }
    }
    List<CompletableFuture<Candidate>> jobs = new ArrayList<>();
    for (BranchFilter f : filters) {
      jobs.add(
          CompletableFuture.supplyAsync(
              () -> candidate(oldImage, newImage, oldSha, newSha, f, options, deadline)));
    }
    Candidate best = null;
    for (CompletableFuture<Candidate> job : jobs) {
      Candidate c = join(job);
      if (c.patch == null) {
        return full(format, null, join(fullSize), "none", c.failure, t0);
      }
      if (best == null || c.patch.length < best.patch.length) {
        best = c;
      }
    }
    long full = join(fullSize);
    String filterName = best.filter.name().toLowerCase(java.util.Locale.ROOT);
    double fraction = full == 0 ? Double.POSITIVE_INFINITY : (double) best.patch.length / full;
    if (best.patch.length >= policy.maxFractionOfFull() * full) {
      return full(
          format,
          best.patch,
          full,
          filterName,
          String.format(
              "delta of %d bytes is %.1f%% of the %d-byte compressed image (limit %.0f%%)",
              best.patch.length, 100 * fraction, full, 100 * policy.maxFractionOfFull()),
          t0);
    }
    return new DiffResult(
        DiffResult.Decision.DELTA,
        format,
        best.patch,
        full,
        filterName,
        String.format(
            "delta of %d bytes is %.1f%% of the %d-byte compressed image",
            best.patch.length, 100 * fraction, full),
        Duration.ofNanos(System.nanoTime() - t0));
  }

  private record Candidate(BranchFilter filter, byte[] patch, String failure) {}

  private static Candidate candidate(
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
        return new Candidate(f, null, "time budget exceeded while sorting");
      }
      DiffScript script = BsdiffScanner.scan(fOld, fNew, sa, deadline);
      sa = null;
      byte[] patch =
          options.format() == PatchFormat.BSDIFF40
              ? Bsdiff40Format.write(fOld, fNew, script)
              : NativeFormat.write(
                  fOld, fNew, oldSha, newSha, script, f, options.level(), options.chunkSize());
      return new Candidate(f, patch, null);
    } catch (BsdiffScanner.BudgetExceededException e) {
      return new Candidate(
          f, null, "time budget of " + options.policy().timeBudget() + " exceeded while diffing");
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
