package dev.firmament.delta.bench;

import dev.firmament.delta.internal.Abs32Table;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.internal.SuffixArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * Would absolute pointers projected through the patch's own alignment pay (Zucchini's reference
 * projection)? For each pair: the old image's 4-byte aligned words that point into the image (base
 * address found as the one that makes most words such pointers) are rewritten to where the
 * alignment the scan found moves their target; the patch written against that projected old image
 * is the patch an applier that projects would rebuild from, less the base address. Compared with
 * the same script against the old image (LZMA, the likely filter). Usage: bench/delta/java.sh
 * dev.firmament.delta.bench.PointerProbe DIR...
 */
public final class PointerProbe {
  private PointerProbe() {}

  /** The base address that makes most aligned words of the image point into it. */
  static long base(byte[] image) {
    Map<Integer, Integer> high = new HashMap<>();
    for (int i = 0; i + 4 <= image.length; i += 4) {
      high.merge(BranchFilter.le32(image, i) >>> 16, 1, Integer::sum);
    }
    long best = 0;
    long bestCount = -1;
    List<Map.Entry<Integer, Integer>> top = new ArrayList<>(high.entrySet());
    top.sort((x, y) -> y.getValue() - x.getValue());
    for (Map.Entry<Integer, Integer> e : top.subList(0, Math.min(12, top.size()))) {
      if (e.getKey() == 0 || e.getKey() == 0xFFFF) {
        continue;
      }
      long b = (long) e.getKey() << 16;
      long count = pointers(image, b);
      // Lower the base while that finds more pointers (the top key may be inside the image).
      while (b >= 0x10000 && pointers(image, b - 0x10000) > count) {
        b -= 0x10000;
        count = pointers(image, b);
      }
      if (count > bestCount) {
        best = b;
        bestCount = count;
      }
    }
    return best;
  }

  static long pointers(byte[] image, long base) {
    long n = 0;
    for (int i = 0; i + 4 <= image.length; i += 4) {
      long w = BranchFilter.le32(image, i) & 0xFFFFFFFFL;
      if (w >= base && w < base + image.length) {
        n++;
      }
    }
    return n;
  }

  /**
   * The base near {@code guess} (256-byte steps, 128 KiB either way) under which most pointers of
   * the old image project to the word the new image has at the aligned place.
   */
  static long refine(byte[] fa, byte[] fb, long[][] eq, long guess) {
    if (!Boolean.parseBoolean(System.getProperty("refine", "true"))) {
      return guess;
    }
    // The pointer words of the aligned runs, with the word the new image has there.
    List<long[]> pairs = new ArrayList<>();
    for (long[] e : eq) {
      for (long j = (e[0] + 3) & ~3L; j + 4 <= e[0] + e[2]; j += 4) {
        long n = e[1] + (j - e[0]);
        long w = BranchFilter.le32(fa, (int) j) & 0xFFFFFFFFL;
        long nw = n + 4 <= fb.length ? BranchFilter.le32(fb, (int) n) & 0xFFFFFFFFL : -1;
        if (nw != w && Math.abs(nw - w) < fa.length) {
          pairs.add(new long[] {w, nw});
        }
      }
    }
    long best = guess;
    long bestHits = -1;
    for (long b = Math.max(0, guess - 0x20000); b <= guess + 0x20000; b += 0x100) {
      long hits = 0;
      for (long[] p : pairs) {
        if (p[0] >= b && p[0] < b + fa.length) {
          long to = project(eq, p[0] - b);
          if (to >= 0 && b + to == p[1]) {
            hits++;
          }
        }
      }
      if (hits > bestHits) {
        bestHits = hits;
        best = b;
      }
    }
    return best;
  }

  /** Where the alignment moves old offset {@code a}: the longest run covering it, or -1. */
  static long project(long[][] eq, long a) {
    int lo = 0;
    int hi = eq.length - 1;
    int last = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (eq[mid][0] <= a) {
        last = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    long best = -1;
    long bestLen = 0;
    // Runs overlap in the old image; look back over a few starting before.
    for (int k = last; k >= 0 && k > last - 64; k--) {
      if (a < eq[k][0] + eq[k][2] && eq[k][2] > bestLen) {
        best = a - eq[k][0] + eq[k][1];
        bestLen = eq[k][2];
      }
    }
    return best;
  }

  public static void main(String[] args) throws Exception {
    long plainTotal = 0;
    long projectedTotal = 0;
    long oracleTotal = 0;
    long rangedTotal = 0;
    long tableTotal = 0;
    for (String dir : args) {
      for (CorpusPair pair : CorpusPair.in(dir)) {
        String name = pair.name();
        byte[] a = pair.oldImage();
        byte[] b = pair.newImage();
        BranchFilter filter = BranchFilter.likelyFor(b);
        byte[] fa = a.clone();
        byte[] fb = b.clone();
        filter.encode(fa, 0, fa.length, 0);
        filter.encode(fb, 0, fb.length, 0);
        int[] sa = SuffixArray.build(fa);
        DiffScript script = BsdiffScanner.scan(fa, fb, sa, Long.MAX_VALUE);
        long[][] eq = Abs32Table.runs(script).toArray(long[][]::new);
        long base = refine(fa, fb, eq, base(a));
        // Every pointer projected; only those the projection makes equal to the new image's word
        // at the aligned place (an oracle: the applier cannot know them); and those in ranges of
        // old offsets around the helpful ones (a range table the patch would carry).
        byte[] projected = fa.clone();
        byte[] oracle = fa.clone();
        boolean[] helps = new boolean[fa.length / 4 + 1];
        int moved = 0;
        int unmapped = 0;
        long ptrs = 0;
        for (int i = 0; i + 4 <= a.length; i += 4) {
          long w = BranchFilter.le32(fa, i) & 0xFFFFFFFFL;
          if (w < base || w >= base + a.length) {
            continue;
          }
          ptrs++;
          long to = project(eq, w - base);
          if (to < 0) {
            unmapped++;
          } else if (to != w - base) {
            BranchFilter.putLe32(projected, i, (int) (base + to));
            moved++;
          }
        }
        for (long[] e : eq) {
          for (long j = (e[0] + 3) & ~3L; j + 4 <= e[0] + e[2]; j += 4) {
            long n = e[1] + (j - e[0]);
            int pw = BranchFilter.le32(projected, (int) j);
            if (pw != BranchFilter.le32(fa, (int) j)
                && n + 4 <= fb.length
                && BranchFilter.le32(fb, (int) n) == pw) {
              BranchFilter.putLe32(oracle, (int) j, pw);
              helps[(int) (j / 4)] = true;
            }
          }
        }
        byte[] ranged = fa.clone();
        int ranges = 0;
        int last = Integer.MIN_VALUE;
        int start = -1;
        for (int k = 0; k <= helps.length; k++) {
          boolean h = k < helps.length && helps[k];
          if (h && start >= 0 && k - last > GAP / 4) {
            copyRange(projected, ranged, start, last);
            ranges++;
            start = -1;
          }
          if (h) {
            if (start < 0) {
              start = k;
            }
            last = k;
          }
          if (k == helps.length && start >= 0) {
            copyRange(projected, ranged, start, last);
            ranges++;
          }
        }
        long[] table = segments(eq, base, a.length);
        byte[] tabled = fa.clone();
        applyTable(tabled, table);
        int tableBytes = tableBytes(table);
        long tab = Long.MAX_VALUE;
        long plain = Long.MAX_VALUE;
        long proj = Long.MAX_VALUE;
        long orc = Long.MAX_VALUE;
        long rng = Long.MAX_VALUE;
        for (DiffTransform t : DiffTransform.values()) {
          plain = Math.min(plain, size(fa, fb, script, filter, t));
          proj = Math.min(proj, size(projected, fb, script, filter, t));
          orc = Math.min(orc, size(oracle, fb, script, filter, t));
          rng = Math.min(rng, size(ranged, fb, script, filter, t));
          tab = Math.min(tab, size(tabled, fb, script, filter, t));
        }
        tab += tableBytes;
        tableTotal += Math.min(plain, tab);
        // A range table: two varints per range, about five bytes.
        rng += 5L * ranges;
        oracleTotal += Math.min(plain, orc);
        rangedTotal += Math.min(plain, rng);
        System.out.printf(
            Locale.ROOT,
            "%-36s base=%08x ptrs=%d moved=%d unmapped=%d patch=%d all=%.3f oracle=%.3f"
                + " ranges=%d ranged=%.3f table=%d/%dB %.3f%n",
            name,
            base,
            ptrs,
            moved,
            unmapped,
            plain,
            (double) proj / plain,
            (double) orc / plain,
            ranges,
            (double) rng / plain,
            table.length / 2,
            tableBytes,
            (double) tab / plain);
        plainTotal += plain;
        projectedTotal += Math.min(plain, proj);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "total patch=%d all=%.4f oracle=%.4f ranged=%.4f table=%.4f (each the smaller of it and"
            + " the patch)%n",
        plainTotal,
        (double) projectedTotal / plainTotal,
        (double) oracleTotal / plainTotal,
        (double) rangedTotal / plainTotal,
        (double) tableTotal / plainTotal);
  }

  /** Consecutive agreeing words (sorted by value) that open a table segment. */
  private static final int AGREE = Integer.getInteger("agree", 2);

  /**
   * A value-to-shift table learned from the aligned words themselves, no base address: pairs (old
   * word, new word - old word) of the old image's aligned words inside diff runs whose shift is
   * smaller than the image, sorted by old word; a segment opens where {@link #AGREE} words in a row
   * agree on a shift other than the current one. Returns (start, shift) pairs, flattened.
   */
  static long[] learn(byte[] fa, byte[] fb, long[][] eq) {
    List<long[]> pairs = new ArrayList<>();
    for (long[] e : eq) {
      for (long j = (e[0] + 3) & ~3L; j + 4 <= e[0] + e[2]; j += 4) {
        long n = e[1] + (j - e[0]);
        if (n + 4 > fb.length) {
          continue;
        }
        long w = BranchFilter.le32(fa, (int) j) & 0xFFFFFFFFL;
        long d = (BranchFilter.le32(fb, (int) n) & 0xFFFFFFFFL) - w;
        if (Math.abs(d) < fa.length) {
          pairs.add(new long[] {w, d});
        }
      }
    }
    pairs.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
    List<Long> out = new ArrayList<>();
    long current = 0;
    for (int k = 0; k < pairs.size(); k++) {
      long d = pairs.get(k)[1];
      if (d == current) {
        continue;
      }
      boolean agree = k + AGREE <= pairs.size();
      for (int m = 1; agree && m < AGREE; m++) {
        agree = pairs.get(k + m)[1] == d;
      }
      if (agree) {
        out.add(pairs.get(k)[0]);
        out.add(d);
        current = d;
      }
    }
    long[] t = new long[out.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = out.get(i);
    }
    return t;
  }

  /** Runs shorter than this (bytes) do not shape the shift segments. */
  private static final int MIN_RUN = Integer.getInteger("minRun", 64);

  /**
   * The alignment as a table of values: the old image's runs of at least {@link #MIN_RUN} bytes,
   * sorted by old start, each run's shift (new start - old start) over the old addresses from its
   * start to the next run's start, equal neighbours merged; keyed by pointer value (base + old
   * offset), flattened (start, shift) pairs, a shift-0 entry closing the image.
   */
  static long[] segments(long[][] eq, long base, int oldLen) {
    List<long[]> segments = Abs32Table.segments(Arrays.asList(eq), oldLen, MIN_RUN);
    long[] t = new long[2 * segments.size()];
    for (int k = 0; k < segments.size(); k++) {
      t[2 * k] = base + segments.get(k)[0];
      t[2 * k + 1] = segments.get(k)[1];
    }
    return t;
  }

  static void applyTable(byte[] b, long[] t) {
    if (t.length == 0) {
      return;
    }
    for (int i = 0; i + 4 <= b.length; i += 4) {
      long w = BranchFilter.le32(b, i) & 0xFFFFFFFFL;
      int lo = 0;
      int hi = t.length / 2 - 1;
      int at = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (t[2 * mid] <= w) {
          at = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (at >= 0 && t[2 * at + 1] != 0) {
        BranchFilter.putLe32(b, i, (int) (w + t[2 * at + 1]));
      }
    }
  }

  /** The table as varints: start deltas and zigzag shift deltas. */
  static int tableBytes(long[] t) {
    int n = 0;
    long prevStart = 0;
    long prevShift = 0;
    for (int i = 0; i < t.length; i += 2) {
      n += varintLen(t[i] - prevStart);
      long z = t[i + 1] - prevShift;
      n += varintLen((z << 1) ^ (z >> 63));
      prevStart = t[i];
      prevShift = t[i + 1];
    }
    return n + 4;
  }

  private static int varintLen(long v) {
    int n = 1;
    while ((v >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** Helpful pointers closer than this (bytes) share a range. */
  private static final int GAP = Integer.getInteger("gap", 64);

  private static void copyRange(byte[] from, byte[] to, int firstWord, int lastWord) {
    System.arraycopy(from, firstWord * 4, to, firstWord * 4, (lastWord - firstWord + 1) * 4);
  }

  private static long size(
      byte[] fa, byte[] fb, DiffScript script, BranchFilter filter, DiffTransform t)
      throws Exception {
    NativeFormat.Encoded e = NativeFormat.encode(fa, fb, script, filter, t, 22, 1 << 20, true);
    byte[] sha = new byte[32];
    return e.withLzma(sha, sha, ForkJoinPool.commonPool())
        .map(p -> (long) p.length)
        .orElse(e.size());
  }
}
