package dev.firmament.delta.internal;

import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** LEB128 unsigned varints and zigzag-encoded signed varints (at most 10 bytes, 63 bits). */
public final class Varint {
  private Varint() {}

  public static void writeUnsigned(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  public static void writeSigned(ByteArrayOutputStream out, long v) {
    writeUnsigned(out, (v << 1) ^ (v >> 63));
  }

  /** Reads an unsigned varint; {@code -1} at a clean end of stream (before the first byte). */
  public static long readUnsignedOrEof(InputStream in) throws IOException {
    long result = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (shift == 0) {
          return -1;
        }
        throw new DeltaFormatException("control stream ends inside a number");
      }
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (result < 0) {
          break;
        }
        return result;
      }
    }
    throw new DeltaFormatException("control stream holds a number larger than 63 bits");
  }

  public static long readUnsigned(InputStream in) throws IOException {
    long v = readUnsignedOrEof(in);
    if (v < 0) {
      throw new DeltaFormatException("control stream ends early");
    }
    return v;
  }

  public static long readSigned(InputStream in) throws IOException {
    long u = readUnsigned(in);
    return (u >>> 1) ^ -(u & 1);
  }
}
