package dev.firmament.delta.internal;

import dev.firmament.delta.io.SeekableSource;
import java.io.IOException;
import java.io.InputStream;

/** A sequential view of the range {@code [start, start + length)} of a {@link SeekableSource}. */
public final class SourceInputStream extends InputStream {
  private final SeekableSource src;
  private long pos;
  private final long end;

  public SourceInputStream(SeekableSource src, long start, long length) {
    this.src = src;
    this.pos = start;
    this.end = start + length;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (pos >= end) {
      return -1;
    }
    int n = src.read(pos, b, off, (int) Math.min(len, end - pos));
    if (n <= 0) {
      return -1;
    }
    pos += n;
    return n;
  }
}
