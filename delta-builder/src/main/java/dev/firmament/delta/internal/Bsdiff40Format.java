package dev.firmament.delta.internal;

import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;

/**
 * Classic bsdiff 4 patches: 32-byte header ({@code BSDIFF40}, control block length, diff block
 * length, new size, each an 8-byte sign-magnitude little-endian integer) followed by three bzip2
 * streams: control triples {@code (diffLen, extraLen, seek)}, diff bytes, extra bytes.
 */
public final class Bsdiff40Format {
  public static final byte[] MAGIC = "BSDIFF40".getBytes(StandardCharsets.US_ASCII);
  public static final int HEADER_SIZE = 32;

  private Bsdiff40Format() {}

  public static byte[] write(byte[] old, byte[] neu, DiffScript script) throws IOException {
    ByteArrayOutputStream ctrl = new ByteArrayOutputStream();
    ByteArrayOutputStream diff = new ByteArrayOutputStream();
    ByteArrayOutputStream extra = new ByteArrayOutputStream();
    byte[] num = new byte[8];
    long oldPos = 0;
    int newPos = 0;
    for (int i = 0; i < script.size(); i++) {
      int d = script.diffLen(i);
      int e = script.extraLen(i);
      long s = script.seek(i);
      for (long v : new long[] {d, e, s}) {
        putOff(v, num, 0);
        ctrl.write(num);
      }
      for (int k = 0; k < d; k++) {
        diff.write(neu[newPos + k] - old[(int) oldPos + k]);
      }
      extra.write(neu, newPos + d, e);
      newPos += d + e;
      oldPos += d + s;
    }
    byte[] c = bzip2(ctrl.toByteArray());
    byte[] df = bzip2(diff.toByteArray());
    byte[] ex = bzip2(extra.toByteArray());
    byte[] header = new byte[HEADER_SIZE];
    System.arraycopy(MAGIC, 0, header, 0, 8);
    putOff(c.length, header, 8);
    putOff(df.length, header, 16);
    putOff(neu.length, header, 24);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(header);
    out.write(c);
    out.write(df);
    out.write(ex);
    return out.toByteArray();
  }

  private static byte[] bzip2(byte[] raw) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try (OutputStream o = new BZip2CompressorOutputStream(bo, 9)) {
      o.write(raw);
    }
    return bo.toByteArray();
  }

  /** bsdiff's {@code offtout}: magnitude little-endian, sign in the top bit of byte 7. */
  public static void putOff(long v, byte[] b, int off) {
    long m = Math.abs(v);
    for (int k = 0; k < 8; k++) {
      b[off + k] = (byte) (m >>> (8 * k));
    }
    if (v < 0) {
      b[off + 7] |= (byte) 0x80;
    }
  }

  /** bsdiff's {@code offtin}. */
  public static long getOff(byte[] b, int off) {
    long m = 0;
    for (int k = 7; k >= 0; k--) {
      m = (m << 8) | (b[off + k] & 0xff);
    }
    m &= Long.MAX_VALUE;
    return (b[off + 7] & 0x80) != 0 ? -m : m;
  }

  /** Parsed header. */
  public record Header(long ctrlLen, long diffLen, long newSize) {}

  public static Header readHeader(byte[] h) throws DeltaFormatException {
    if (!Arrays.equals(h, 0, 8, MAGIC, 0, 8)) {
      throw new DeltaFormatException("not a BSDIFF40 patch (bad magic)");
    }
    long ctrlLen = getOff(h, 8);
    long diffLen = getOff(h, 16);
    long newSize = getOff(h, 24);
    if (ctrlLen < 0 || diffLen < 0 || newSize < 0) {
      throw new DeltaFormatException("BSDIFF40 header holds a negative length");
    }
    if (newSize > NativeFormat.MAX_IMAGE) {
      throw new DeltaFormatException("declared new size " + newSize + " out of range");
    }
    return new Header(ctrlLen, diffLen, newSize);
  }

  static void readFully(InputStream in, byte[] b, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int n = in.read(b, done, len - done);
      if (n < 0) {
        throw new DeltaFormatException("BSDIFF40 stream ends early");
      }
      done += n;
    }
  }
}
