package dev.firmament.delta.internal;

import dev.firmament.delta.io.DeltaFormatException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Exposes exactly the next {@code limit} bytes of an underlying stream; reports a truncated patch
 * when the underlying stream ends first. Closing does not close the underlying stream.
 */
public final class BoundedInputStream extends InputStream {
  private final InputStream in;
  private long remaining;

  public BoundedInputStream(InputStream in, long limit) {
    this.in = in;
    this.remaining = limit;
  }

  public long remaining() {
    return remaining;
  }

  @Override
  public int read() throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int b = in.read();
    if (b < 0) {
      throw new DeltaFormatException("patch is truncated");
    }
    remaining--;
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (remaining <= 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw new DeltaFormatException("patch is truncated");
    }
    remaining -= n;
    return n;
  }

  /** Reads exactly {@code len} bytes. */
  public static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int n = in.read(b, off + done, len - done);
      if (n < 0) {
        throw new DeltaFormatException("patch is truncated");
      }
      done += n;
    }
  }
}
