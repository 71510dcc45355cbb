package dev.firmament.delta.internal;

import dev.firmament.delta.io.DeltaFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;

/** Passes bytes through one at a time, updating a CRC-32 of them (the tables' checksums). */
final class CrcInputStream extends InputStream {
  private final InputStream in;
  final CRC32 crc = new CRC32();

  CrcInputStream(InputStream in) {
    this.in = in;
  }

  /**
   * Reads the big-endian CRC-32 that follows the bytes read so far and checks it against them.
   *
   * @throws DeltaFormatException when it differs ("{@code what} is corrupt") or is cut short
   */
  void checkTrailer(String what) throws IOException {
    int expected = (int) crc.getValue();
    byte[] c = new byte[4];
    BoundedInputStream.readFully(in, c, 0, 4);
    int actual =
        ((c[0] & 0xff) << 24) | ((c[1] & 0xff) << 16) | ((c[2] & 0xff) << 8) | (c[3] & 0xff);
    if (actual != expected) {
      throw new DeltaFormatException(what + " is corrupt (CRC mismatch)");
    }
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      crc.update(b);
    }
    return b;
  }
}
