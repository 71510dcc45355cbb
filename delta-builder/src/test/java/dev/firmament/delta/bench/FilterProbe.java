package dev.firmament.delta.bench;

import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.DeltaPolicy;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.DiffResult;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.io.SeekableSource;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Which branch filter pays on which pair: for every NAME.old/NAME.new pair of a directory, the
 * in-image calls each filter finds in the new image, the filter the differ would pick, and the
 * native patch bytes with each filter forced (round trip checked). Usage: bench/delta/java.sh
 * dev.firmament.delta.bench.FilterProbe DIR
 */
public final class FilterProbe {
  private FilterProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "../shared/firmware");
    DiffOptions always =
        DiffOptions.DEFAULT.withPolicy(
            DeltaPolicy.DEFAULT.withMaxFractionOfFull(Double.MAX_VALUE).withScreenFraction(99));
    List<Path> olds;
    try (Stream<Path> s = Files.list(dir)) {
      olds = s.filter(p -> p.toString().endsWith(".old")).sorted().toList();
    }
    long[] totals = new long[BranchFilter.values().length];
    long bestTotal = 0;
    long autoTotal = 0;
    for (Path old : olds) {
      String name = old.getFileName().toString().replaceAll("\\.old$", "");
      byte[] a = Files.readAllBytes(old);
      byte[] b = Files.readAllBytes(dir.resolve(name + ".new"));
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-36s", name));
      BranchFilter likely = BranchFilter.likelyFor(b);
      long best = Long.MAX_VALUE;
      long autoBytes = 0;
      for (BranchFilter f : BranchFilter.values()) {
        DiffResult r =
            DeltaDiffer.diff(a, b, always.withFilter(DiffOptions.Filter.valueOf(f.name())));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeltaApplier.apply(SeekableSource.of(a), SeekableSource.of(r.patch()), out);
        if (!Arrays.equals(out.toByteArray(), b)) {
          throw new IllegalStateException(name + " " + f + " does not round-trip");
        }
        long bytes = r.patch().length;
        totals[f.ordinal()] += bytes;
        best = Math.min(best, bytes);
        if (f == BranchFilter.NONE || f == likely) {
          // The differ's default tries no filter and the likely one, and keeps the smaller.
          autoBytes = autoBytes == 0 ? bytes : Math.min(autoBytes, bytes);
        }
        line.append(
            String.format(
                Locale.ROOT,
                " %s=%d(%d)",
                f.name().toLowerCase(Locale.ROOT),
                bytes,
                f.callsInImage(b)));
      }
      bestTotal += best;
      autoTotal += autoBytes;
      line.append(" likely=").append(likely.name().toLowerCase(Locale.ROOT));
      System.out.println(line);
    }
    StringBuilder t = new StringBuilder("total");
    for (BranchFilter f : BranchFilter.values()) {
      t.append(' ')
          .append(f.name().toLowerCase(Locale.ROOT))
          .append('=')
          .append(totals[f.ordinal()]);
    }
    System.out.println(t + " best=" + bestTotal + " default=" + autoTotal);
  }
}
