package dev.firmament.delta.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;

/**
 * Raw LZMA (no header, no end marker: the container knows the decoded size), as both the native
 * format's codec 2 and the in-place format write their streams.
 */
public final class RawLzma {
  private RawLzma() {}

  /** The properties byte of {@code lc/lp/pb}: {@code (pb * 5 + lp) * 9 + lc}. */
  public static int props(int[] lcLpPb) {
    return (lcLpPb[2] * 5 + lcLpPb[1]) * 9 + lcLpPb[0];
  }

  /** {@code data} compressed at LZMA's strongest preset with {@code dict} and {@code lc/lp/pb}. */
  public static byte[] encode(byte[] data, int dict, int[] lcLpPb) {
    if (data.length == 0) {
      return new byte[0];
    }
    try {
      LZMA2Options options = new LZMA2Options(9);
      options.setDictSize(dict);
      options.setLcLp(lcLpPb[0], lcLpPb[1]);
      options.setPb(lcLpPb[2]);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      LZMAOutputStream lzma = new LZMAOutputStream(out, options, false);
      lzma.write(data);
      lzma.finish();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
