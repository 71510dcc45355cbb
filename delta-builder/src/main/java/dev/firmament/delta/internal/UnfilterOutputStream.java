package dev.firmament.delta.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Receives the filtered new image sequentially, undoes the branch filter with a few bytes of
 * look-ahead, hashes and forwards the real bytes. Fixed-size buffer.
 */
public final class UnfilterOutputStream extends OutputStream {
  public static final int BUFFER = 64 * 1024;

  private final OutputStream out;
  private final BranchFilter filter;
  private final RegionTable regions;
  private final long size;
  private final MessageDigest digest;
  private final byte[] buf = new byte[BUFFER];
  private int fill;
  private long base; // absolute position of buf[0]
  private long written;

  public UnfilterOutputStream(OutputStream out, BranchFilter filter, MessageDigest digest) {
    this(out, filter, null, 0, digest);
  }

  /**
   * Undoes {@code filter} in the filtered regions of {@code regions} only (all of the image when
   * null), for a new image of {@code size} bytes.
   */
  public UnfilterOutputStream(
      OutputStream out, BranchFilter filter, RegionTable regions, long size, MessageDigest digest) {
    this.out = out;
    this.filter = filter;
    this.regions = regions;
    this.size = size;
    this.digest = digest;
  }

  private void decode(int len) {
    if (regions == null) {
      filter.decode(buf, 0, len, base);
    } else {
      regions.apply(filter, buf, len, base, size, true);
    }
  }

  public int bufferBytes() {
    return buf.length;
  }

  public long written() {
    return written;
  }

  @Override
  public void write(int b) throws IOException {
    if (fill == buf.length) {
      drain(false);
    }
    buf[fill++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (fill == buf.length) {
        drain(false);
      }
      int n = Math.min(len, buf.length - fill);
      System.arraycopy(b, off, buf, fill, n);
      fill += n;
      off += n;
      len -= n;
    }
  }

  /** Emits everything that can no longer be affected by later bytes (all of it when final). */
  private void drain(boolean last) throws IOException {
    int emit;
    if (filter == BranchFilter.NONE || last) {
      decode(fill);
      emit = fill;
    } else if (filter.sequential()) {
      // Whole parse blocks (the buffer is a multiple of a block and starts on one).
      emit = filter.emittable(base, fill);
      decode(emit);
    } else {
      // Windows starting before `emit` lie entirely inside the buffer; decode them and keep the
      // tail (at most 3 bytes plus alignment) for the next round.
      emit = filter.emittable(base, fill);
      decode(Math.min(fill, emit + 3));
    }
    digest.update(buf, 0, emit);
    out.write(buf, 0, emit);
    written += emit;
    System.arraycopy(buf, emit, buf, 0, fill - emit);
    fill -= emit;
    base += emit;
  }

  /** Writes the remaining bytes; does not close the underlying stream. */
  public void finish() throws IOException {
    drain(true);
    out.flush();
  }
}
