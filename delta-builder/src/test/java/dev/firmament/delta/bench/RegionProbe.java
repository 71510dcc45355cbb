package dev.firmament.delta.bench;

import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.DeltaPolicy;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.internal.BranchFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Would branch filters chosen per region of an image pay? Each image is cut into blocks ({@code
 * -Dregion}, 4 KiB) classified by the filter with the most in-image calls there (at least {@code
 * -Ddensity} per 4 KiB, 4; with {@code -Drestrict=true} only the image's likely filter or none),
 * runs shorter than {@code -DminBlocks} (4) join the run before them; both images are filtered
 * region by region and diffed unfiltered, which is the patch a region table in the format would
 * give, less the table's bytes. Compared with the differ's default (LZMA patches). Usage:
 * bench/delta/java.sh dev.firmament.delta.bench.RegionProbe DIR...
 */
public final class RegionProbe {
  private RegionProbe() {}

  record Run(int start, int end, BranchFilter filter) {}

  private static final int REGION = Integer.getInteger("region", 4096);
  private static final int MIN_BLOCKS = Integer.getInteger("minBlocks", 4);
  private static final double DENSITY = Double.parseDouble(System.getProperty("density", "4"));
  private static final boolean RESTRICT = Boolean.getBoolean("restrict");

  static List<Run> regions(byte[] image) {
    BranchFilter likely = BranchFilter.likelyFor(image);
    List<Run> blocks = new ArrayList<>();
    for (int off = 0; off < image.length; off += REGION) {
      int len = Math.min(REGION, image.length - off);
      BranchFilter best = BranchFilter.NONE;
      long bestCalls = 0;
      for (BranchFilter f : BranchFilter.values()) {
        if (RESTRICT && f != likely) {
          continue;
        }
        long calls = f.callsInRange(image, off, len);
        if (calls > bestCalls && calls >= DENSITY * len / 4096.0) {
          best = f;
          bestCalls = calls;
        }
      }
      blocks.add(new Run(off, off + len, best));
    }
    List<Run> runs = new ArrayList<>();
    for (Run b : blocks) {
      if (!runs.isEmpty() && runs.getLast().filter() == b.filter()) {
        runs.add(new Run(runs.removeLast().start(), b.end(), b.filter()));
      } else {
        runs.add(b);
      }
    }
    List<Run> merged = new ArrayList<>();
    for (Run r : runs) {
      boolean shortRun = r.end() - r.start() < MIN_BLOCKS * REGION;
      if (!merged.isEmpty() && (shortRun || merged.getLast().filter() == r.filter())) {
        Run before = merged.removeLast();
        merged.add(new Run(before.start(), r.end(), before.filter()));
      } else {
        merged.add(r);
      }
    }
    return merged;
  }

  static byte[] filtered(byte[] image, List<Run> runs) {
    byte[] b = image.clone();
    for (Run r : runs) {
      r.filter().encode(b, r.start(), r.end() - r.start(), 0);
    }
    return b;
  }

  static String describe(List<Run> runs) {
    StringBuilder s = new StringBuilder();
    for (Run r : runs) {
      s.append(
          String.format(
              Locale.ROOT,
              " %s:%d-%dK",
              r.filter().name().toLowerCase(Locale.ROOT),
              r.start() / 1024,
              (r.end() + 1023) / 1024));
    }
    return s.toString();
  }

  public static void main(String[] args) throws Exception {
    DiffOptions options =
        DiffOptions.DEFAULT
            .withCodec(DiffOptions.Codec.SMALLEST)
            .withPolicy(
                DeltaPolicy.DEFAULT.withMaxFractionOfFull(Double.MAX_VALUE).withScreenFraction(99));
    long defaultTotal = 0;
    long regionTotal = 0;
    long bestTotal = 0;
    for (String dir : args) {
      for (CorpusPair pair : CorpusPair.in(dir)) {
        String name = pair.name();
        byte[] a = pair.oldImage();
        byte[] b = pair.newImage();
        List<Run> ra = regions(a);
        List<Run> rb = regions(b);
        long bytes = DeltaDiffer.diff(a, b, options).patch().length;
        long region = bytes;
        if (ra.size() > 1 || rb.size() > 1) {
          region =
              DeltaDiffer.diff(
                      filtered(a, ra), filtered(b, rb), options.withFilter(DiffOptions.Filter.NONE))
                  .patch()
                  .length;
        }
        defaultTotal += bytes;
        regionTotal += region;
        bestTotal += Math.min(bytes, region);
        System.out.printf(
            Locale.ROOT,
            "%-36s default=%d per-region=%d (%.3f) new image:%s%n",
            name,
            bytes,
            region,
            (double) region / bytes,
            describe(rb));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "total default=%d per-region=%d smaller of the two=%d (%.4f)%n",
        defaultTotal,
        regionTotal,
        bestTotal,
        (double) bestTotal / defaultTotal);
  }
}
