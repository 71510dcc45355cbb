package dev.firmament.delta.inplace;

import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffPool;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.RawLzma;
import dev.firmament.delta.internal.SuffixArray;
import dev.firmament.delta.internal.Varint;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * Builds {@code FMINPLC1} patches: a patch that rewrites a single-slot device's image where it lies
 * (docs/delta-format.md, "In-place patches"; the approach of detools' in-place mode).
 *
 * <p>The applier first moves the old image up by {@link InPlaceLayout#shiftFor} bytes, then writes
 * the new image segment by segment from the bottom. Segment {@code i} may copy only from old bytes
 * that then lie at or above the segment after it ({@code old offset >= (i + 1) * segment - shift}):
 * those are neither overwritten by the segments before it nor by itself, so a segment cut by a
 * power loss can be written again from the same bytes.
 */
public final class InPlaceDiffer {
  private static final int[] DICTS = {4096, 8192, 16384, 32768, 65536};

  /** (lc, lp, pb): the literal-context default, aligned 32-bit code, and none at all. */
  private static final int[][] PROPS = {{3, 0, 2}, {0, 2, 2}, {1, 2, 2}, {0, 0, 0}};

  private InPlaceDiffer() {}

  /** The patch and what applying it costs on the device. */
  public record Result(byte[] patch, long shift, long scratchBytes, Duration elapsed) {}

  /**
   * An in-place patch turning {@code old} into {@code neu} in a slot of {@code layout}.
   *
   * @throws IllegalArgumentException when either image does not fit in the slot
   */
  public static Result diff(byte[] old, byte[] neu, InPlaceLayout layout) {
    long begin = System.nanoTime();
    if (old.length > layout.memorySize() || neu.length > layout.memorySize()) {
      throw new IllegalArgumentException(
          "images of "
              + old.length
              + " and "
              + neu.length
              + " bytes do not fit a slot of "
              + layout.memorySize());
    }
    int seg = layout.segmentSize();
    long shift = layout.shiftFor(old.length);
    int segments = (int) ((neu.length + (long) seg - 1) / seg);
    ExecutorService pool = pool();
    Choice choice;
    try {
      int[] sa = SuffixArray.build(old);
      // The segments are independent (each reads the old image from its own lower bound): built
      // on the pool, their streams joined in order.
      List<CompletableFuture<byte[][]>> built = new ArrayList<>();
      for (int i = 0; i < segments; i++) {
        int lo = (int) Math.min(old.length, Math.max(0, (long) (i + 1) * seg - shift));
        int from = i * seg;
        int to = Math.min(neu.length, from + seg);
        built.add(
            CompletableFuture.supplyAsync(
                () -> segment(old, lo, window(sa, lo), Arrays.copyOfRange(neu, from, to)), pool));
      }
      ByteArrayOutputStream[] streams = {
        new ByteArrayOutputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()
      };
      for (CompletableFuture<byte[][]> f : built) {
        byte[][] parts = join(f);
        for (int k = 0; k < streams.length; k++) {
          streams[k].writeBytes(parts[k]);
        }
      }
      choice =
          choose(
              List.of(streams[0].toByteArray(), streams[1].toByteArray(), streams[2].toByteArray()),
              layout.decoderBudget(),
              pool);
    } finally {
      pool.shutdownNow();
    }
    InPlaceFormat header =
        new InPlaceFormat(
            seg,
            layout.memorySize(),
            shift,
            old.length,
            neu.length,
            sha256(old),
            sha256(neu),
            segments,
            choice.streams[0],
            choice.streams[1],
            choice.streams[2]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header.write());
    for (byte[] packed : choice.packed) {
      out.writeBytes(packed);
    }
    return new Result(
        out.toByteArray(),
        shift,
        header.scratchBytes(),
        Duration.ofNanos(System.nanoTime() - begin));
  }

  /**
   * The suffix array of {@code old[lo..]}: the suffixes of the whole image that start at {@code lo}
   * or later keep their order, shifted down by {@code lo}.
   */
  static int[] window(int[] sa, int lo) {
    int[] out = new int[sa.length - lo];
    int k = 0;
    for (int p : sa) {
      if (p >= lo) {
        out[k++] = p - lo;
      }
    }
    return out;
  }

  private static ExecutorService pool() {
    return DiffPool.create("delta-in-place");
  }

  private static <T> T join(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * One segment's entries, seek first, none without output, the old cursor starting at lo: its
   * control, diff and extra bytes.
   */
  private static byte[][] segment(byte[] old, int lo, int[] sa, byte[] target) {
    ByteArrayOutputStream ctrl = new ByteArrayOutputStream();
    ByteArrayOutputStream diff = new ByteArrayOutputStream();
    ByteArrayOutputStream extra = new ByteArrayOutputStream();
    byte[] window = Arrays.copyOfRange(old, lo, old.length);
    DiffScript script;
    try {
      script = BsdiffScanner.scan(window, target, sa, Long.MAX_VALUE);
    } catch (BsdiffScanner.BudgetExceededException e) {
      throw new IllegalStateException("a scan without a deadline ran out of time", e);
    }
    List<long[]> entries = new ArrayList<>();
    long pendingSeek = 0;
    int oldPos = 0;
    int newPos = 0;
    for (int k = 0; k < script.size(); k++) {
      int d = script.diffLen(k);
      int x = script.extraLen(k);
      if (d + x > 0) {
        entries.add(new long[] {pendingSeek, d, x});
        oldPos += (int) pendingSeek;
        for (int j = 0; j < d; j++) {
          diff.write(target[newPos + j] - window[oldPos + j]);
        }
        extra.write(target, newPos + d, x);
        oldPos += d;
        newPos += d + x;
        pendingSeek = 0;
      }
      pendingSeek += script.seek(k);
    }
    Varint.writeUnsigned(ctrl, entries.size());
    for (long[] e : entries) {
      Varint.writeSigned(ctrl, e[0]);
      Varint.writeUnsigned(ctrl, e[1]);
      Varint.writeUnsigned(ctrl, e[2]);
    }
    return new byte[][] {ctrl.toByteArray(), diff.toByteArray(), extra.toByteArray()};
  }

  private record Choice(InPlaceFormat.Stream[] streams, byte[][] packed) {}

  /**
   * For each stream, the smallest encodings whose decoders fit the budget together: per stream the
   * property sets are compared at the smallest dictionary, then the best set is tried with every
   * dictionary; then the best combination within the budget. The encodings of each round run on
   * {@code pool}; the choice does not depend on the order they finish in.
   */
  private static Choice choose(List<byte[]> raw, int budget, ExecutorService pool) {
    List<List<CompletableFuture<Option>>> byProps = new ArrayList<>();
    for (byte[] data : raw) {
      List<CompletableFuture<Option>> forStream = new ArrayList<>();
      for (int[] p : PROPS) {
        forStream.add(CompletableFuture.supplyAsync(() -> option(data, DICTS[0], p), pool));
      }
      byProps.add(forStream);
    }
    List<List<CompletableFuture<Option>>> all = new ArrayList<>();
    for (int s = 0; s < raw.size(); s++) {
      byte[] data = raw.get(s);
      List<CompletableFuture<Option>> forStream = new ArrayList<>(byProps.get(s));
      Option bestProps = null;
      for (CompletableFuture<Option> f : byProps.get(s)) {
        Option o = join(f);
        if (bestProps == null || o.packed().length < bestProps.packed().length) {
          bestProps = o;
        }
      }
      int[] props = bestProps.lcLpPb();
      for (int d = 1; d < DICTS.length && data.length > DICTS[d - 1]; d++) {
        int dict = DICTS[d];
        forStream.add(CompletableFuture.supplyAsync(() -> option(data, dict, props), pool));
      }
      all.add(forStream);
    }
    List<List<Option>> options = new ArrayList<>();
    for (List<CompletableFuture<Option>> forStream : all) {
      List<Option> done = new ArrayList<>();
      for (CompletableFuture<Option> f : forStream) {
        done.add(join(f));
      }
      options.add(done);
    }
    Option[] best = null;
    long bestSize = Long.MAX_VALUE;
    long bestMemory = Long.MAX_VALUE;
    for (Option a : options.get(0)) {
      for (Option b : options.get(1)) {
        for (Option c : options.get(2)) {
          long memory =
              a.stream().decoderBytes() + b.stream().decoderBytes() + c.stream().decoderBytes();
          if (memory > budget) {
            continue;
          }
          long size = a.packed().length + b.packed().length + c.packed().length;
          if (size < bestSize || (size == bestSize && memory < bestMemory)) {
            bestSize = size;
            bestMemory = memory;
            best = new Option[] {a, b, c};
          }
        }
      }
    }
    if (best == null) {
      throw new IllegalArgumentException(
          "no encoding fits a decoder budget of " + budget + " bytes");
    }
    return new Choice(
        new InPlaceFormat.Stream[] {best[0].stream(), best[1].stream(), best[2].stream()},
        new byte[][] {best[0].packed(), best[1].packed(), best[2].packed()});
  }

  private record Option(InPlaceFormat.Stream stream, byte[] packed, int[] lcLpPb) {}

  private static Option option(byte[] data, int dict, int[] p) {
    byte[] packed = lzma(data, dict, p);
    int props = RawLzma.props(p);
    return new Option(new InPlaceFormat.Stream(props, dict, packed.length, data.length), packed, p);
  }

  /** Raw LZMA (no header, no end marker: the header knows the decoded size). */
  static byte[] lzma(byte[] data, int dict, int[] lcLpPb) {
    return RawLzma.encode(data, dict, lcLpPb);
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
