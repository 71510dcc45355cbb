package dev.firmament.delta.internal;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Filter regions (docs/delta-format.md, section 3.2): the new image cut into regions of whole
 * {@link #UNIT}-byte units, alternately filtered and raw, starting filtered at offset 0. In a
 * filtered region the patch's branch filter applies to the new bytes (the windows wholly inside the
 * region) and diff runs read the filtered old image; in a raw region neither is filtered and diff
 * runs read the old image as it is. Code and data then each get the view that suits them within one
 * image, while both old views stay whole (the alignment is the filtered scan's).
 *
 * <p>Immutable: the offsets where the view switches, in bytes, strictly increasing, multiples of
 * {@link #UNIT}, below the new image's size; at least one region is filtered.
 */
public final class RegionTable {
  /** Regions are whole multiples of this many bytes (a multiple of {@link BranchFilter#BLOCK}). */
  public static final int UNIT = 4096;

  /** Most view switches a table may hold: 16 KiB of memory in an applier. */
  public static final int MAX_SWITCHES = 4096;

  /** Price of a view switch in the differ's choice, in compressed bytes (the probe's best). */
  static final int SWITCH_COST = 64;

  /** Price of a control entry starting in a unit, in compressed bytes. */
  static final int ENTRY_COST = 4;

  private final long[] switches;

  private RegionTable(long[] switches) {
    this.switches = switches;
  }

  /** A table switching at {@code switches} (bytes), checked as a read one is. */
  public static RegionTable of(long[] switches, long newSize) throws IOException {
    return read(new ByteArrayInputStream(new RegionTable(switches.clone()).encode()), newSize);
  }

  /** Number of view switches. */
  public int switches() {
    return switches.length;
  }

  /** Bytes the table takes in an applier. */
  public int memoryBytes() {
    return switches.length * Long.BYTES;
  }

  /** Whether new-image offset {@code pos} lies in a filtered region. */
  public boolean filteredAt(long pos) {
    // The switches at or before pos number i + 1 when pos is one (i >= 0), else the insertion
    // point -i - 1; both have the parity of i + 1, and an even number of switches means filtered.
    return (Arrays.binarySearch(switches, pos) & 1) != 0;
  }

  /** End (exclusive) of the region holding {@code pos}: the next switch, or {@code size}. */
  public long regionEnd(long pos, long size) {
    int i = Arrays.binarySearch(switches, pos);
    int next = i >= 0 ? i + 1 : -i - 1;
    return next < switches.length ? switches[next] : size;
  }

  /**
   * Applies {@code filter} to the filtered regions of {@code buf[0..len)}, whose first byte sits at
   * absolute position {@code base}; {@code decode} undoes it. Only the windows wholly inside both
   * the range and a filtered region are converted.
   */
  public void apply(
      BranchFilter filter, byte[] buf, int len, long base, long size, boolean decode) {
    long to = base + len;
    for (long pos = base; pos < to; ) {
      long end = Math.min(to, regionEnd(pos, size));
      if (filteredAt(pos)) {
        int o = (int) (pos - base);
        int n = (int) (end - pos);
        if (decode) {
          filter.decode(buf, o, n, base);
        } else {
          filter.encode(buf, o, n, base);
        }
      }
      pos = end;
    }
  }

  /** {@code image} with {@code filter} applied to its filtered regions (a copy). */
  public byte[] filterNew(BranchFilter filter, byte[] image) {
    byte[] b = image.clone();
    apply(filter, b, b.length, 0, b.length, false);
    return b;
  }

  /** Wire form: varint count, varint unit deltas, big-endian CRC-32 of those bytes. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Varint.writeUnsigned(out, switches.length);
    long last = 0;
    for (long s : switches) {
      Varint.writeUnsigned(out, (s - last) / UNIT);
      last = s;
    }
    CRC32 crc = new CRC32();
    byte[] body = out.toByteArray();
    crc.update(body);
    int c = (int) crc.getValue();
    out.write(c >>> 24);
    out.write(c >>> 16);
    out.write(c >>> 8);
    out.write(c);
    return out.toByteArray();
  }

  /** Reads and checks a table for a new image of {@code newSize} bytes. */
  public static RegionTable read(InputStream in, long newSize) throws IOException {
    CrcInputStream crcIn = new CrcInputStream(in);
    long count = Varint.readUnsigned(crcIn);
    if (count < 1 || count > MAX_SWITCHES) {
      throw new DeltaFormatException(
          "filter region table declares " + count + " switches (1 to " + MAX_SWITCHES + ")");
    }
    long[] switches = new long[(int) count];
    long at = 0;
    for (int k = 0; k < count; k++) {
      long units = Varint.readUnsigned(crcIn);
      if (units < 0 || (k > 0 && units == 0) || units > newSize / UNIT) {
        throw new DeltaFormatException("filter region switch " + k + " does not follow the last");
      }
      at += units * UNIT;
      if (at >= newSize) {
        throw new DeltaFormatException(
            "filter region switch " + k + " at " + at + " is not inside the new image");
      }
      switches[k] = at;
    }
    if (count == 1 && switches[0] == 0) {
      throw new DeltaFormatException("filter regions leave nothing filtered");
    }
    crcIn.checkTrailer("filter region table");
    return new RegionTable(switches);
  }

  /**
   * The differ's choice for a candidate diffed with {@code filter}: per unit of the new image, the
   * view whose diff and extra bytes under the candidate's alignment ({@code script}) compress
   * smaller (zstd level 3, plus {@link #ENTRY_COST} per control entry starting there), with {@link
   * #SWITCH_COST} per switch, the least total by dynamic programming. Null when every unit keeps
   * the filtered view (the plain candidate is that patch) or the table would exceed {@link
   * #MAX_SWITCHES}.
   */
  public static RegionTable choose(
      byte[] old, byte[] neu, byte[] fOld, byte[] fNew, DiffScript script) {
    int n = neu.length;
    int units = (n + UNIT - 1) / UNIT;
    if (units == 0) {
      return null;
    }
    int[] src = sources(script, n);
    long[] best = {0, SWITCH_COST};
    // fromOther[u][v]: whether view v at unit u is best reached from the other view at u - 1.
    boolean[][] fromOther = new boolean[units][2];
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      ctx.setLevel(3);
      byte[] diff = new byte[UNIT];
      byte[] extra = new byte[UNIT];
      for (int u = 0; u < units; u++) {
        int from = u * UNIT;
        int to = Math.min(n, from + UNIT);
        long filtered = cost(ctx, src, fOld, fNew, from, to, diff, extra);
        long raw = cost(ctx, src, old, neu, from, to, diff, extra);
        long f = Math.min(best[0], best[1] + SWITCH_COST);
        long r = Math.min(best[1], best[0] + SWITCH_COST);
        fromOther[u][0] = best[1] + SWITCH_COST < best[0];
        fromOther[u][1] = best[0] + SWITCH_COST < best[1];
        best = new long[] {f + filtered, r + raw};
      }
    }
    int view = best[1] < best[0] ? 1 : 0;
    long[] at = new long[units];
    int count = 0;
    for (int u = units - 1; u >= 0; u--) {
      int before = fromOther[u][view] ? 1 - view : view;
      // A switch at u: the view changes between u - 1 and u (before unit 0 the view is filtered).
      if (u == 0 ? view == 1 : before != view) {
        at[count++] = (long) u * UNIT;
      }
      view = before;
    }
    // Nothing raw (the plain candidate), nothing filtered (not a filtered patch), or too many.
    if (count == 0 || (count == 1 && at[0] == 0) || count > MAX_SWITCHES) {
      return null;
    }
    long[] switches = new long[count];
    for (int k = 0; k < count; k++) {
      switches[k] = at[count - 1 - k];
    }
    return new RegionTable(switches);
  }

  private static long cost(
      ZstdCompressCtx ctx,
      int[] src,
      byte[] old,
      byte[] neu,
      int from,
      int to,
      byte[] diff,
      byte[] extra) {
    int nd = 0;
    int ne = 0;
    int entries = 0;
    for (int i = from; i < to; i++) {
      if (src[i] < 0) {
        extra[ne++] = neu[i];
      } else {
        diff[nd++] = (byte) (neu[i] - old[src[i]]);
        if (i == from || src[i] != src[i - 1] + 1) {
          entries++;
        }
      }
    }
    return compressed(ctx, diff, nd) + compressed(ctx, extra, ne) + (long) ENTRY_COST * entries;
  }

  private static int compressed(ZstdCompressCtx ctx, byte[] b, int len) {
    return len == 0 ? 0 : ctx.compress(Arrays.copyOf(b, len)).length;
  }

  /** The old offset each new byte is diffed against, or -1 for an extra byte. */
  public static int[] sources(DiffScript s, int newLength) {
    int[] src = new int[newLength];
    long oldPos = 0;
    int newPos = 0;
    for (int e = 0; e < s.size(); e++) {
      int d = s.diffLen(e);
      for (int i = 0; i < d; i++) {
        src[newPos++] = (int) (oldPos + i);
      }
      oldPos += d;
      int x = s.extraLen(e);
      Arrays.fill(src, newPos, newPos + x, -1);
      newPos += x;
      oldPos += s.seek(e);
    }
    return src;
  }
}
