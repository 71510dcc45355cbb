package dev.firmament.delta.bench;

import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.internal.RegionTable;
import dev.firmament.delta.internal.SuffixArray;
import dev.firmament.manifest.Sha256;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Would a branch filter chosen per region of the new image pay, with both views of the old image
 * (raw and filtered) kept whole? The differ sorts and scans both views for images where the filter
 * and no filter compete; here the two scripts are spliced block by block of the new image ({@code
 * -Dblock}, 4 KiB), each block taking the script that costs less there (the zstd level-3 size of
 * its diff and extra bytes, or with {@code -DzstdCost=false} their count of non-zero bytes, plus
 * {@code -Dentry} (4) per control entry; a switch between views costs {@code -Dswitch} bytes, 64),
 * and the spliced script is encoded against the two views laid end to end: the patch a region table
 * would give, less the table. With {@code -DoneScript=true} both views use the filtered scan's
 * alignment, which is what the differ builds (docs/delta-format.md section 3.2: no raw sort or
 * scan). Compared with the smaller of the two whole-image scripts, encoded the same way (zstd and
 * LZMA, both diff transforms, slacks 8, 12 and 16, the smallest kept). Usage: bench/delta/java.sh
 * dev.firmament.delta.bench.TwoViewProbe DIR...
 */
public final class TwoViewProbe {
  private TwoViewProbe() {}

  private static final int BLOCK = Integer.getInteger("block", 4096);
  private static final double SWITCH = Double.parseDouble(System.getProperty("switch", "64"));
  private static final double ENTRY = Double.parseDouble(System.getProperty("entry", "4"));
  private static final int[] SLACKS = {8, 12, 16};
  private static final boolean ONE_SCRIPT = Boolean.getBoolean("oneScript");

  /** The old-image offset each new byte is diffed against, or -1 for an extra byte. */
  static int[] sources(DiffScript s, int newLength) {
    return RegionTable.sources(s, newLength);
  }

  /** A script producing exactly {@code src} (offsets into the old image, -1 for extra bytes). */
  static DiffScript script(int[] src) {
    DiffScript s = new DiffScript();
    int diff = 0;
    int extra = 0;
    long start = 0;
    boolean open = false;
    for (int i = 0; i < src.length; ) {
      if (src[i] < 0) {
        int j = i;
        while (j < src.length && src[j] < 0) {
          j++;
        }
        extra += j - i;
        i = j;
        continue;
      }
      int j = i + 1;
      while (j < src.length && src[j] == src[j - 1] + 1) {
        j++;
      }
      if (open) {
        s.add(diff, extra, src[i] - (start + diff));
      } else if (extra > 0 || src[i] != 0) {
        s.add(0, extra, src[i]);
      }
      open = true;
      start = src[i];
      diff = j - i;
      extra = 0;
      i = j;
    }
    if (open || extra > 0) {
      s.add(diff, extra, 0);
    }
    if (!java.util.Arrays.equals(sources(s, src.length), src)) {
      throw new IllegalStateException("spliced script does not reproduce its sources");
    }
    return s;
  }

  private static final boolean ZSTD_COST =
      Boolean.parseBoolean(System.getProperty("zstdCost", "true"));

  static double cost(int[] src, byte[] old, byte[] neu, int from, int to) {
    if (ZSTD_COST) {
      byte[] diff = new byte[to - from];
      byte[] extra = new byte[to - from];
      int nd = 0;
      int ne = 0;
      int entries = 0;
      for (int i = from; i < to; i++) {
        if (src[i] < 0) {
          extra[ne++] = neu[i];
        } else {
          diff[nd++] = (byte) (neu[i] - old[src[i]]);
          if (i == 0 || src[i] != src[i - 1] + 1) {
            entries++;
          }
        }
      }
      return com.github.luben.zstd.Zstd.compress(java.util.Arrays.copyOf(diff, nd), 3).length
          + com.github.luben.zstd.Zstd.compress(java.util.Arrays.copyOf(extra, ne), 3).length
          + ENTRY * entries;
    }
    double c = 0;
    for (int i = from; i < to; i++) {
      if (src[i] < 0) {
        c += 1;
      } else {
        if (old[src[i]] != neu[i]) {
          c += 1;
        }
        if (i == 0 || src[i] != src[i - 1] + 1) {
          c += ENTRY;
        }
      }
    }
    return c;
  }

  /** Per block, whether it takes the filtered view: least cost with a price per switch. */
  static boolean[] choose(
      int[] src0, int[] srcF, byte[] old0, byte[] oldF, byte[] new0, byte[] newF) {
    int blocks = (new0.length + BLOCK - 1) / BLOCK;
    double[] best = {0, SWITCH};
    boolean[][] fromF = new boolean[blocks][2];
    for (int b = 0; b < blocks; b++) {
      int from = b * BLOCK;
      int to = Math.min(new0.length, from + BLOCK);
      double c0 = cost(src0, old0, new0, from, to);
      double cF = cost(srcF, oldF, newF, from, to);
      double n0 = Math.min(best[0], best[1] + SWITCH) + c0;
      double nF = Math.min(best[1], best[0] + SWITCH) + cF;
      fromF[b][0] = best[1] + SWITCH < best[0];
      fromF[b][1] = best[1] <= best[0] + SWITCH;
      best = new double[] {n0, nF};
    }
    boolean[] choice = new boolean[blocks];
    boolean inF = best[1] < best[0];
    for (int b = blocks - 1; b >= 0; b--) {
      choice[b] = inF;
      inF = fromF[b][inF ? 1 : 0];
    }
    return choice;
  }

  static long encoded(
      byte[] old, byte[] neu, DiffScript s, ExecutorService pool, byte[] oldSha, byte[] newSha)
      throws Exception {
    long best = Long.MAX_VALUE;
    for (DiffTransform t : DiffTransform.values()) {
      NativeFormat.Encoded e =
          NativeFormat.encode(
              old,
              neu,
              s,
              BranchFilter.NONE,
              t,
              DiffOptions.DEFAULT.level(),
              NativeFormat.DEFAULT_CHUNK,
              true);
      best = Math.min(best, e.size());
      best =
          Math.min(best, e.withLzma(oldSha, newSha, pool).map(p -> (long) p.length).orElse(best));
    }
    return best;
  }

  public static void main(String[] args) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    long singleTotal = 0;
    long mixedTotal = 0;
    for (String dir : args) {
      for (CorpusPair pair : CorpusPair.in(dir)) {
        byte[] old0 = pair.oldImage();
        byte[] new0 = pair.newImage();
        BranchFilter f = BranchFilter.likelyFor(new0);
        if (f == BranchFilter.NONE) {
          continue;
        }
        byte[] oldF = old0.clone();
        byte[] newF = new0.clone();
        f.encode(oldF, 0, oldF.length, 0);
        f.encode(newF, 0, newF.length, 0);
        long deadline = System.nanoTime() + 600_000_000_000L;
        DiffScript[] s0 =
            BsdiffScanner.scanAll(old0, new0, SuffixArray.build(old0), SLACKS, deadline);
        DiffScript[] sF =
            BsdiffScanner.scanAll(oldF, newF, SuffixArray.build(oldF), SLACKS, deadline);
        byte[] both = new byte[old0.length * 2];
        System.arraycopy(old0, 0, both, 0, old0.length);
        System.arraycopy(oldF, 0, both, old0.length, oldF.length);
        byte[] oldSha = Sha256.digest(old0);
        byte[] newSha = Sha256.digest(new0);
        long single = Long.MAX_VALUE;
        long mixed = Long.MAX_VALUE;
        int switches = 0;
        int inF = 0;
        for (int k = 0; k < SLACKS.length; k++) {
          // The whole-image filter is encoded as its own filtered images diffed unfiltered: the
          // same stream bytes as a patch with the filter, less nothing the comparison needs.
          single = Math.min(single, encoded(old0, new0, s0[k], pool, oldSha, newSha));
          single = Math.min(single, encoded(oldF, newF, sF[k], pool, oldSha, newSha));
          // -DoneScript=true: the filtered scan's alignment for both views (no raw sort or scan).
          int[] src0 = sources(ONE_SCRIPT ? sF[k] : s0[k], new0.length);
          int[] srcF = sources(sF[k], new0.length);
          boolean[] choice = choose(src0, srcF, old0, oldF, new0, newF);
          byte[] newM = new0.clone();
          int[] srcM = src0.clone();
          int sw = 0;
          int nF = 0;
          for (int b = 0; b < choice.length; b++) {
            if (b > 0 && choice[b] != choice[b - 1]) {
              sw++;
            }
            if (!choice[b]) {
              continue;
            }
            nF++;
            int from = b * BLOCK;
            int to = Math.min(new0.length, from + BLOCK);
            System.arraycopy(newF, from, newM, from, to - from);
            for (int i = from; i < to; i++) {
              srcM[i] = srcF[i] < 0 ? -1 : srcF[i] + old0.length;
            }
          }
          long m = encoded(both, newM, script(srcM), pool, oldSha, newSha);
          if (m < mixed) {
            mixed = m;
            switches = sw;
            inF = nF;
          }
        }
        long kept = Math.min(single, mixed);
        singleTotal += single;
        mixedTotal += kept;
        System.out.printf(
            Locale.ROOT,
            "%-40s %-8s single=%d two-view=%d (%.3f) blocks filtered %d of %d, %d switches%n",
            pair.name(),
            f.name().toLowerCase(Locale.ROOT),
            single,
            mixed,
            (double) mixed / single,
            inF,
            (new0.length + BLOCK - 1) / BLOCK,
            switches);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "total single=%d two-view kept if smaller=%d (%.4f)%n",
        singleTotal,
        mixedTotal,
        (double) mixedTotal / singleTotal);
    pool.shutdown();
  }
}
