package dev.firmament.protocol.server;

import java.io.IOException;
import java.util.Objects;

/**
 * Random-access read of the bytes of one artifact, which the gateway slices into chunk frames.
 *
 * <p>The gateway calls {@link #read} from its own event-loop thread, never from an MQTT client
 * thread, and may read any range more than once (resumed transfers). Reads should be fast: bytes in
 * memory or on local disk. Stage artifacts from remote storage before offering them.
 */
public interface ArtifactSource {

  /** Length of the artifact in bytes. */
  long size();

  /**
   * Copies up to {@code len} bytes starting at {@code offset} into {@code buf[off..]}.
   *
   * @return the number of bytes copied, at least 1 when {@code offset < size()}; -1 when {@code
   *     offset >= size()}
   * @throws IOException if the bytes cannot be read
   */
  int read(long offset, byte[] buf, int off, int len) throws IOException;

  /** A source over bytes in memory. The array is not copied; do not modify it afterwards. */
  static ArtifactSource ofBytes(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return new ArtifactSource() {
      @Override
      public long size() {
        return bytes.length;
      }

      @Override
      public int read(long offset, byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (offset < 0) {
          throw new IndexOutOfBoundsException("negative offset " + offset);
        }
        if (offset >= bytes.length) {
          return -1;
        }
        int n = (int) Math.min(len, bytes.length - offset);
        System.arraycopy(bytes, (int) offset, buf, off, n);
        return n;
      }

      @Override
      public String toString() {
        return "ArtifactSource.ofBytes(" + bytes.length + " bytes)";
      }
    };
  }
}
