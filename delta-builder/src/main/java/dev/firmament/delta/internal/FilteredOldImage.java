package dev.firmament.delta.internal;

import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import java.io.IOException;

/**
 * Random-access reads of the old image as the differ saw it (after the branch filter, then the
 * ABS32 projection when the patch has a table). Uses one fixed scratch buffer: each read fetches
 * the context the filter needs on both sides (a few bytes, or the parse blocks of a sequential
 * filter) so that every filter window touching the requested range is complete; a projected read
 * also reads the whole words at its two ends.
 */
public final class FilteredOldImage {
  public static final int SCRATCH = 64 * 1024;

  private final SeekableSource src;
  private final long size;
  private final BranchFilter filter;
  private final byte[] scratch;
  private final Abs32Table abs32;
  private final byte[] edge = new byte[4];

  public FilteredOldImage(SeekableSource src, long size, BranchFilter filter) {
    this(src, size, filter, null);
  }

  /** Reads projected through {@code abs32} (null for none) after the filter. */
  public FilteredOldImage(SeekableSource src, long size, BranchFilter filter, Abs32Table abs32) {
    this.src = src;
    this.size = size;
    this.filter = filter;
    this.abs32 = abs32;
    // Context on both sides: a few bytes for a stateless filter, up to a block for a sequential
    // one.
    this.scratch = new byte[SCRATCH + (filter.sequential() ? 2 * BranchFilter.BLOCK : 16)];
  }

  public int bufferBytes() {
    return scratch.length + (abs32 == null ? 0 : edge.length + abs32.memoryBytes());
  }

  /** Fills {@code b[off..off+len)} with filtered old bytes at {@code pos}; range must be valid. */
  public void read(long pos, byte[] b, int off, int len) throws IOException {
    readFiltered(pos, b, off, len);
    if (abs32 == null || len == 0) {
      return;
    }
    abs32.projectRange(b, off, len, pos, size);
    // The words the range cuts at either end: read whole, projected, the part inside copied.
    long head = pos & ~3L;
    boolean headCut = head != pos;
    if (headCut) {
      copyProjectedWord(head, pos, pos + len, b, off);
    }
    long tail = (pos + len) & ~3L;
    // The word the range ends in, unless it is the one just done (a range inside one word).
    if (tail != pos + len && !(headCut && tail == head)) {
      copyProjectedWord(tail, pos, pos + len, b, off);
    }
  }

  /** Copies the part of the projected word at {@code word} inside {@code [from, to)} into b. */
  private void copyProjectedWord(long word, long from, long to, byte[] b, int off)
      throws IOException {
    if (word + 4 > size) {
      // A last partial word is never projected: the bytes already read stand.
      return;
    }
    readFiltered(word, edge, 0, 4);
    BranchFilter.putLe32(edge, 0, abs32.project(BranchFilter.le32(edge, 0)));
    long start = Math.max(word, from);
    long end = Math.min(word + 4, to);
    System.arraycopy(
        edge, (int) (start - word), b, off + (int) (start - from), (int) (end - start));
  }

  private void readFiltered(long pos, byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, SCRATCH);
      if (filter == BranchFilter.NONE) {
        src.readFully(pos, b, off, n);
      } else {
        long start = filter.contextStart(pos);
        long end = filter.contextEnd(pos + n, size);
        int span = (int) (end - start);
        src.readFully(start, scratch, 0, span);
        filter.encode(scratch, 0, span, start);
        System.arraycopy(scratch, (int) (pos - start), b, off, n);
      }
      pos += n;
      off += n;
      len -= n;
    }
  }

  static void check(boolean ok, String message) throws DeltaFormatException {
    if (!ok) {
      throw new DeltaFormatException(message);
    }
  }
}
