package dev.firmament.delta.internal;

import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The ABS32 stage of the native format (docs/delta-format.md, section 3.1): absolute 32-bit
 * pointers of the old image projected to where the patch's own alignment moved their targets, in
 * the spirit of Zucchini's reference projection.
 *
 * <p>A table of segments of pointer values, each {@code [start_k, start_k+1)} with a shift; the
 * last segment runs to 2^32. Every 4-aligned little-endian word of the (filtered) old image whose
 * value lies in a segment has the segment's shift added (mod 2^32) before the diff runs read it. A
 * pointer table in a data section whose targets moved with the code then reads as the new image has
 * it, and its diff bytes are zero.
 *
 * <p>The differ derives the segments from the alignment the scan found: runs of at least {@link
 * #MIN_RUN} bytes, in old-image order, each moving the old addresses from its start to the next
 * run's start by its own shift; the image's load address (the base turning old offsets into pointer
 * values) is the one under which most aligned words of the runs project to the word the new image
 * has there. The table is sent, not re-derived by the applier, so the applier needs neither the
 * control streams in advance nor the base: a table of {@link #MAX_ENTRIES} entries at most, 8 bytes
 * each in memory.
 */
public final class Abs32Table {
  /** Most entries a table may hold (the applier keeps them in memory). */
  public static final int MAX_ENTRIES = 4096;

  /**
   * Runs shorter than this do not shape the segments: on the corpus's firmware, 256 kept the gain
   * of every run (within 0.5%) with a third of the entries of 64.
   */
  static final int MIN_RUN = 256;

  /** Fewest aligned words the chosen base must project right before a table is worth a trial. */
  static final int MIN_HITS = 32;

  /** Ranges of best bases whose ends and middle are scored. */
  private static final int MAX_RANGES = 4;

  /** Upper bound of the base search's intervals (memory and time on large images). */
  private static final int MAX_INTERVALS = 1 << 21;

  private static final long WORD_SPAN = 1L << 32;

  /** Segment starts, unsigned 32-bit values, strictly increasing. */
  private final int[] starts;

  /** Segment shifts modulo 2^32 (only the low 32 bits of a shift change a word). */
  private final int[] shifts;

  private Abs32Table(long[] starts, long[] shifts) {
    this.starts = new int[starts.length];
    this.shifts = new int[shifts.length];
    for (int k = 0; k < starts.length; k++) {
      this.starts[k] = (int) starts[k];
      this.shifts[k] = (int) shifts[k];
    }
  }

  public int entries() {
    return starts.length;
  }

  /** Bytes the applier keeps for this table. */
  public int memoryBytes() {
    return 8 * starts.length;
  }

  /** The projected value of a 32-bit word (unsigned in the low 32 bits of {@code word}). */
  public int project(int word) {
    long w = word & 0xFFFFFFFFL;
    int lo = 0;
    int hi = starts.length - 1;
    int at = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if ((starts[mid] & 0xFFFFFFFFL) <= w) {
        at = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return at < 0 ? word : word + shifts[at];
  }

  /**
   * Projects the whole words of {@code b[off..off+len)}, which holds old-image bytes from position
   * {@code pos}: the words at old positions {@code ≡ 0 (mod 4)} that lie inside both the range and
   * the old image of {@code oldSize} bytes.
   */
  public void projectRange(byte[] b, int off, int len, long pos, long oldSize) {
    long first = (pos + 3) & ~3L;
    long end = Math.min(pos + len, oldSize);
    for (long p = first; p + 4 <= end; p += 4) {
      int i = off + (int) (p - pos);
      BranchFilter.putLe32(b, i, project(BranchFilter.le32(b, i)));
    }
  }

  /** A copy of {@code old} with every aligned word projected. */
  public byte[] applyTo(byte[] old) {
    byte[] out = old.clone();
    projectRange(out, 0, out.length, 0, out.length);
    return out;
  }

  /** The diff runs of {@code script} as (old start, new start, length), sorted by old start. */
  public static List<long[]> runs(DiffScript script) {
    List<long[]> runs = new ArrayList<>();
    long oldPos = 0;
    long newPos = 0;
    for (int i = 0; i < script.size(); i++) {
      int d = script.diffLen(i);
      if (d > 0) {
        runs.add(new long[] {oldPos, newPos, d});
      }
      oldPos += d + script.seek(i);
      newPos += d + script.extraLen(i);
    }
    runs.sort((x, y) -> Long.compare(x[0], y[0]));
    return runs;
  }

  /**
   * Segments of old offsets as (start, shift): the {@code runs} (sorted by old start) of at least
   * {@code minRun} bytes, each moving the offsets from its start to the next one's by its shift,
   * equal neighbours merged, a shift-0 segment closing an image of {@code oldLength} bytes.
   */
  public static List<long[]> segments(List<long[]> runs, int oldLength, int minRun) {
    List<long[]> segments = new ArrayList<>();
    long current = 0;
    long coveredTo = 0;
    for (long[] r : runs) {
      if (r[2] < minRun || r[0] + r[2] <= coveredTo) {
        continue;
      }
      long shift = r[1] - r[0];
      long start = Math.max(r[0], coveredTo);
      if (shift != current) {
        if (!segments.isEmpty() && segments.getLast()[0] == start) {
          segments.getLast()[1] = shift;
        } else {
          segments.add(new long[] {start, shift});
        }
        current = shift;
      }
      coveredTo = r[0] + r[2];
    }
    if (current != 0) {
      segments.add(new long[] {oldLength, 0});
    }
    return segments;
  }

  /**
   * The table for {@code script} (from the filtered images), or null when the alignment gives no
   * base under which at least {@link #MIN_HITS} words project right, or more than {@link
   * #MAX_ENTRIES} segments.
   */
  public static Abs32Table build(byte[] fOld, byte[] fNew, DiffScript script) {
    List<long[]> runs = runs(script);
    List<long[]> segments = segments(runs, fOld.length, MIN_RUN);
    if (segments.isEmpty() || segments.size() > MAX_ENTRIES) {
      return null;
    }
    Abs32Table best = null;
    long bestScore = MIN_HITS - 1;
    for (long base : bases(fOld, fNew, runs, segments)) {
      if (base + fOld.length > WORD_SPAN) {
        continue;
      }
      long[] starts = new long[segments.size()];
      long[] shifts = new long[segments.size()];
      for (int k = 0; k < starts.length; k++) {
        starts[k] = base + segments.get(k)[0];
        shifts[k] = segments.get(k)[1];
      }
      Abs32Table t = new Abs32Table(starts, shifts);
      long score = t.score(fOld, fNew, runs);
      if (score > bestScore) {
        best = t;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * The words of the runs this table makes equal to the new image's word at the aligned place, less
   * those it changes away from an equal one (or to another wrong value, counted as neither).
   */
  long score(byte[] fOld, byte[] fNew, List<long[]> runs) {
    long score = 0;
    for (long[] r : runs) {
      for (long j = (r[0] + 3) & ~3L; j + 4 <= r[0] + r[2]; j += 4) {
        long at = r[1] + (j - r[0]);
        if (at + 4 > fNew.length) {
          break;
        }
        int w = BranchFilter.le32(fOld, (int) j);
        int p = project(w);
        if (p != w) {
          int nw = BranchFilter.le32(fNew, (int) at);
          score += p == nw ? 1 : w == nw ? -1 : 0;
        }
      }
    }
    return score;
  }

  /**
   * Candidate bases: a word {@code w} of the runs that became {@code w + d} is right under base
   * {@code B} when {@code w - B} falls in a segment of shift {@code d}, an interval of bases; the
   * bases covered by most intervals form one or a few ranges, and words that did not move (not
   * counted here: most of them are not pointers) decide within a range, so each range's two ends
   * and middle are candidates, for {@link #score} to choose from. Empty when fewer than {@link
   * #MIN_HITS} words agree.
   */
  static List<Long> bases(byte[] fOld, byte[] fNew, List<long[]> runs, List<long[]> segments) {
    Map<Long, List<Integer>> byShift = new HashMap<>();
    for (int k = 0; k < segments.size(); k++) {
      if (segments.get(k)[1] != 0) {
        byShift.computeIfAbsent(segments.get(k)[1], s -> new ArrayList<>()).add(k);
      }
    }
    long[] events = new long[1024];
    int n = 0;
    outer:
    for (long[] r : runs) {
      for (long j = (r[0] + 3) & ~3L; j + 4 <= r[0] + r[2]; j += 4) {
        long at = r[1] + (j - r[0]);
        if (at + 4 > fNew.length) {
          break;
        }
        long w = BranchFilter.le32(fOld, (int) j) & 0xFFFFFFFFL;
        long d = (BranchFilter.le32(fNew, (int) at) & 0xFFFFFFFFL) - w;
        List<Integer> ks = d == 0 ? null : byShift.get(d);
        if (ks == null) {
          continue;
        }
        for (int k : ks) {
          long segStart = segments.get(k)[0];
          long segEnd = k + 1 < segments.size() ? segments.get(k + 1)[0] : fOld.length;
          // w - B in [segStart, segEnd)  <=>  B in (w - segEnd, w - segStart].
          long lo = Math.max(0, w - segEnd + 1);
          long hi = w - segStart;
          if (lo > hi) {
            continue;
          }
          if (n + 2 > events.length) {
            if (events.length >= 2 * MAX_INTERVALS) {
              break outer;
            }
            events = Arrays.copyOf(events, events.length * 2);
          }
          // Opening and closing events, the kind in the lowest bit (opening first at a tie).
          events[n++] = lo << 1;
          events[n++] = ((hi + 1) << 1) | 1;
        }
      }
    }
    Arrays.sort(events, 0, n);
    int depth = 0;
    int best = 0;
    for (int i = 0; i < n; i++) {
      depth += (events[i] & 1) == 0 ? 1 : -1;
      best = Math.max(best, depth);
    }
    List<Long> bases = new ArrayList<>();
    if (best < MIN_HITS) {
      return bases;
    }
    depth = 0;
    long rangeStart = -1;
    for (int i = 0; i < n && bases.size() < 3 * MAX_RANGES; i++) {
      if ((events[i] & 1) == 0) {
        depth++;
        if (depth == best) {
          rangeStart = events[i] >>> 1;
        }
      } else {
        if (depth == best) {
          // The range at full depth ends before this closing event's base.
          long rangeEnd = (events[i] >>> 1) - 1;
          bases.add(rangeStart);
          bases.add(((rangeStart + rangeEnd) >>> 1) & ~3L);
          bases.add(rangeEnd);
        }
        depth--;
      }
    }
    return bases;
  }

  /**
   * The table as the patch carries it: {@code varint count}, per entry {@code varint} start (the
   * first as is, the others as the difference from the one before, at least 1) and {@code svarint}
   * shift difference from the one before (the first from 0), then the CRC-32 of those bytes,
   * big-endian.
   */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Varint.writeUnsigned(out, starts.length);
    long prevStart = 0;
    long prevShift = 0;
    for (int k = 0; k < starts.length; k++) {
      long start = starts[k] & 0xFFFFFFFFL;
      Varint.writeUnsigned(out, start - prevStart);
      Varint.writeSigned(out, shifts[k] - prevShift);
      prevStart = start;
      prevShift = shifts[k];
    }
    return sealed(out.toByteArray());
  }

  /** A table body followed by its CRC-32, big-endian: the table's wire form. */
  static byte[] sealed(byte[] body) {
    CRC32 crc = new CRC32();
    crc.update(body);
    int c = (int) crc.getValue();
    byte[] out = Arrays.copyOf(body, body.length + 4);
    out[body.length] = (byte) (c >>> 24);
    out[body.length + 1] = (byte) (c >>> 16);
    out[body.length + 2] = (byte) (c >>> 8);
    out[body.length + 3] = (byte) c;
    return out;
  }

  /** Reads and checks a table written by {@link #encode}. */
  public static Abs32Table read(InputStream in) throws IOException {
    try {
      return readChecked(in);
    } catch (DeltaFormatException e) {
      throw e.getMessage().startsWith("ABS32")
          ? e
          : new DeltaFormatException("ABS32 table is malformed: " + e.getMessage());
    }
  }

  private static Abs32Table readChecked(InputStream in) throws IOException {
    CrcInputStream crcIn = new CrcInputStream(in);
    long count = Varint.readUnsigned(crcIn);
    if (count < 1 || count > MAX_ENTRIES) {
      throw new DeltaFormatException(
          "ABS32 table declares " + count + " entries (1 to " + MAX_ENTRIES + ")");
    }
    long[] starts = new long[(int) count];
    long[] shifts = new long[(int) count];
    long start = 0;
    long shift = 0;
    for (int k = 0; k < count; k++) {
      long delta = Varint.readUnsigned(crcIn);
      if (delta < 0 || delta >= WORD_SPAN || (k > 0 && delta == 0)) {
        throw new DeltaFormatException("ABS32 table entry " + k + " does not start after the last");
      }
      start += delta;
      long shiftDelta = Varint.readSigned(crcIn);
      if (shiftDelta <= -2 * WORD_SPAN || shiftDelta >= 2 * WORD_SPAN) {
        throw new DeltaFormatException("ABS32 table entry " + k + " shifts out of range");
      }
      shift += shiftDelta;
      if (start >= WORD_SPAN || shift <= -WORD_SPAN || shift >= WORD_SPAN) {
        throw new DeltaFormatException("ABS32 table entry " + k + " is out of range");
      }
      starts[k] = start;
      shifts[k] = shift;
    }
    crcIn.checkTrailer("ABS32 table");
    return new Abs32Table(starts, shifts);
  }

  /** Reads a table from its encoded bytes (tests). */
  static Abs32Table read(byte[] encoded) throws IOException {
    return read(new ByteArrayInputStream(encoded));
  }

  /** A table of the given entries, checked as a read table is (tests and probes). */
  public static Abs32Table of(long[] starts, long[] shifts) throws IOException {
    return read(new Abs32Table(starts.clone(), shifts.clone()).encode());
  }
}
