package dev.firmament.delta.internal;

import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import java.io.IOException;

/**
 * Random-access reads of the old image as the differ saw it (after the branch filter). Uses one
 * fixed scratch buffer: each read fetches the context the filter needs on both sides (a few bytes,
 * or the parse blocks of a sequential filter) so that every filter window touching the requested
 * range is complete.
 */
public final class FilteredOldImage {
  public static final int SCRATCH = 64 * 1024;

  private final SeekableSource src;
  private final long size;
  private final BranchFilter filter;
  private final byte[] scratch;

  public FilteredOldImage(SeekableSource src, long size, BranchFilter filter) {
    this.src = src;
    this.size = size;
    this.filter = filter;
    // Context on both sides: a few bytes for a stateless filter, up to a block for a sequential
    // one.
    this.scratch = new byte[SCRATCH + (filter.sequential() ? 2 * BranchFilter.BLOCK : 16)];
  }

  public int bufferBytes() {
    return scratch.length;
  }

  /** Fills {@code b[off..off+len)} with filtered old bytes at {@code pos}; range must be valid. */
  public void read(long pos, byte[] b, int off, int len) throws IOException {
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
