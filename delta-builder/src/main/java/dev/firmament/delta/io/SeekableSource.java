package dev.firmament.delta.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Random-access, read-only bytes: the old image the applier reads from (and, for BSDIFF40, the
 * patch itself). Implementations need not be thread-safe.
 */
public interface SeekableSource extends Closeable {
  /** Total size in bytes. */
  long size() throws IOException;

  /**
   * Reads up to {@code len} bytes starting at {@code pos} into {@code b[off..]}; returns the number
   * of bytes read, which is less than {@code len} only at the end of the source ({@code -1} when
   * {@code pos >= size()}).
   */
  int read(long pos, byte[] b, int off, int len) throws IOException;

  @Override
  default void close() throws IOException {}

  /** Reads exactly {@code len} bytes or fails. */
  default void readFully(long pos, byte[] b, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int n = read(pos + done, b, off + done, len - done);
      if (n <= 0) {
        throw new DeltaFormatException(
            "unexpected end of data at offset " + (pos + done) + " (size " + size() + ")");
      }
      done += n;
    }
  }

  /** An in-memory source (the array is not copied). */
  static SeekableSource of(byte[] data) {
    Objects.requireNonNull(data, "data");
    return new SeekableSource() {
      @Override
      public long size() {
        return data.length;
      }

      @Override
      public int read(long pos, byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (pos < 0) {
          throw new IndexOutOfBoundsException("negative position " + pos);
        }
        if (pos >= data.length) {
          return len == 0 ? 0 : -1;
        }
        int n = (int) Math.min(len, data.length - pos);
        System.arraycopy(data, (int) pos, b, off, n);
        return n;
      }
    };
  }

  /** A file opened read-only; close it when done. */
  static SeekableSource open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    return new SeekableSource() {
      @Override
      public long size() throws IOException {
        return ch.size();
      }

      @Override
      public int read(long pos, byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
          return 0;
        }
        int total = 0;
        ByteBuffer bb = ByteBuffer.wrap(b, off, len);
        while (bb.hasRemaining()) {
          int n = ch.read(bb, pos + total);
          if (n < 0) {
            break;
          }
          total += n;
        }
        return total == 0 ? -1 : total;
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    };
  }
}
