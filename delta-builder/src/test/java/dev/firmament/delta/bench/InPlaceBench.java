package dev.firmament.delta.bench;

import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.DiffResult;
import dev.firmament.delta.inplace.ApplyJournal;
import dev.firmament.delta.inplace.InPlaceApplier;
import dev.firmament.delta.inplace.InPlaceDiffer;
import dev.firmament.delta.inplace.InPlaceLayout;
import dev.firmament.delta.inplace.SlotMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * In-place patches beside the A/B native patch of the same pair: bytes, build and apply time and
 * the device's scratch RAM, for a slot with no room to spare and one with 64 KiB spare.
 *
 * <p>Usage: {@code bench/delta/in-place.sh [DIR] [SEGMENT]}.
 */
public final class InPlaceBench {
  private InPlaceBench() {}

  /** Flash in RAM. */
  private record Ram(byte[] bytes, int eraseSize) implements SlotMemory {
    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public void read(long address, byte[] into, int off, int len) {
      System.arraycopy(bytes, (int) address, into, off, len);
    }

    @Override
    public void write(long address, byte[] from, int off, int len) {
      System.arraycopy(from, off, bytes, (int) address, len);
    }
  }

  private static final class NoJournal implements ApplyJournal {
    private long steps = NOT_STARTED;

    @Override
    public long stepsDone(byte[] patchSha256) {
      return steps;
    }

    @Override
    public void record(byte[] patchSha256, long done) {
      steps = done;
    }
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "../shared/firmware");
    int seg = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
    List<Path> olds;
    try (Stream<Path> files = Files.list(dir)) {
      olds = files.filter(p -> p.toString().endsWith(".old")).sorted().toList();
    }
    System.out.printf(
        "%-22s %10s %11s %10s %7s %10s %7s %8s %8s %9s%n",
        "pair",
        "new bytes",
        "A/B",
        "in-place",
        "ratio",
        "+64K",
        "ratio",
        "diff s",
        "apply s",
        "scratch");
    long totalAb = 0;
    long totalTight = 0;
    long totalSpare = 0;
    int n = 0;
    for (Path oldFile : olds) {
      Path newFile = Path.of(oldFile.toString().replaceFirst("\\.old$", ".new"));
      if (!Files.isRegularFile(newFile)) {
        continue;
      }
      byte[] old = Files.readAllBytes(oldFile);
      byte[] neu = Files.readAllBytes(newFile);
      System.err.printf("[%d/%d] %s%n", ++n, olds.size(), oldFile.getFileName());
      DiffResult ab = DeltaDiffer.diff(old, neu);
      long tight = slot(old, neu, 0, seg);
      long spare = slot(old, neu, 64 * 1024, seg);
      long t0 = System.nanoTime();
      InPlaceDiffer.Result a = InPlaceDiffer.diff(old, neu, new InPlaceLayout(tight, seg));
      long t1 = System.nanoTime();
      InPlaceDiffer.Result b = InPlaceDiffer.diff(old, neu, new InPlaceLayout(spare, seg));
      Ram ram = new Ram(Arrays.copyOf(old, (int) spare), Math.min(seg, 4096));
      long t2 = System.nanoTime();
      InPlaceApplier.apply(b.patch(), ram, new NoJournal());
      long t3 = System.nanoTime();
      if (!Arrays.equals(Arrays.copyOf(ram.bytes(), neu.length), neu)) {
        throw new IllegalStateException(oldFile + ": the apply did not produce the new image");
      }
      // What an A/B device is sent: the patch, or the compressed image when the differ chose it.
      long abBytes = ab.useDelta() ? ab.patchBytes() : ab.fullImageBytes();
      totalAb += abBytes;
      totalTight += a.patch().length;
      totalSpare += b.patch().length;
      System.out.printf(
          "%-22s %,10d %,10d%s %,10d %7.3f %,10d %7.3f %8.2f %8.2f %,9d%n",
          oldFile.getFileName().toString().replaceFirst("\\.old$", ""),
          neu.length,
          abBytes,
          ab.useDelta() ? " " : "*",
          a.patch().length,
          (double) a.patch().length / abBytes,
          b.patch().length,
          (double) b.patch().length / abBytes,
          (t1 - t0) / 1e9,
          (t3 - t2) / 1e9,
          Math.max(a.scratchBytes(), b.scratchBytes()));
    }
    System.out.printf(
        "%-22s %10s %,10d  %,10d %7.3f %,10d %7.3f%n",
        "total",
        "",
        totalAb,
        totalTight,
        (double) totalTight / totalAb,
        totalSpare,
        (double) totalSpare / totalAb);
  }

  private static long slot(byte[] old, byte[] neu, int spare, int seg) {
    long size = Math.max(old.length, neu.length) + spare;
    return (size + seg - 1) / seg * seg;
  }
}
