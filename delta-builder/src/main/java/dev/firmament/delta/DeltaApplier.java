package dev.firmament.delta;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.firmament.delta.internal.BoundedInputStream;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.Bsdiff40Format;
import dev.firmament.delta.internal.FilteredOldImage;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.internal.RegionTable;
import dev.firmament.delta.internal.SourceInputStream;
import dev.firmament.delta.internal.UnfilterOutputStream;
import dev.firmament.delta.internal.Varint;
import dev.firmament.delta.internal.ZeroRuns;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * Streaming patch applier. Reads the old image by random access, writes the new image sequentially,
 * and decodes the patch incrementally: its heap use is a few fixed 64 KiB buffers plus, for native
 * patches, the compressed control and diff streams of one chunk (at most {@code chunkSize + 64 KiB}
 * each, 8 MiB chunk cap). It never depends on the image size.
 *
 * <p>Nothing is buffered on the output side beyond 64 KiB, so when the result is rejected (hash
 * mismatch, corrupt patch) part of the new image may already have been written: write to a
 * temporary location and only promote it after {@code apply} returns.
 */
public final class DeltaApplier {
  /** The name of the ABS32 stage among a device's delta filters (docs/delta-format.md, 3.1). */
  public static final String ABS32 = "ABS32";

  /**
   * The name of filter regions among a device's delta filters (docs/delta-format.md, 3.2): the
   * branch filter applied to some regions of the image only, the old image read both ways.
   */
  public static final String REGIONS = "REGIONS";

  /**
   * The branch filters of the native format this applier decodes, by name, {@code ABS32}, the
   * pointer projection, and {@code REGIONS}, filter region tables (what a device declares as {@code
   * capabilities.deltaFilters}, docs/device-protocol.md section 7).
   */
  public static final List<String> FILTERS =
      Stream.concat(Arrays.stream(BranchFilter.values()).map(Enum::name), Stream.of(ABS32, REGIONS))
          .toList();

  /**
   * The entropy stages of the native format this applier decodes (what a device declares as {@code
   * capabilities.deltaCodecs}).
   */
  public static final List<String> CODECS = List.of("ZSTD", "LZMA");

  /** Size of each of the applier's fixed working buffers. */
  public static final int IO_BUFFER = 64 * 1024;

  /** Consecutive BSDIFF40 control entries that produce no output before the patch is rejected. */
  static final int MAX_EMPTY_ENTRIES = 1 << 16;

  private DeltaApplier() {}

  /**
   * Applies a patch read sequentially. Native patches only: a BSDIFF40 patch needs random access to
   * its three streams, see {@link #apply(SeekableSource, SeekableSource, OutputStream)}.
   */
  public static ApplyResult apply(SeekableSource old, InputStream patch, OutputStream out)
      throws IOException {
    byte[] magic = new byte[8];
    BoundedInputStream.readFully(patch, magic, 0, 8);
    if (Arrays.equals(magic, Bsdiff40Format.MAGIC)) {
      throw new DeltaFormatException(
          "BSDIFF40 patches need random access to the patch; apply them from a file");
    }
    checkNativeMagic(magic);
    return guarded(() -> applyNative(old, magic, patch, out));
  }

  /** Applies a native or BSDIFF40 patch, detected from its magic. */
  public static ApplyResult apply(SeekableSource old, SeekableSource patch, OutputStream out)
      throws IOException {
    byte[] magic = new byte[8];
    if (patch.size() < 8) {
      throw new DeltaFormatException("patch is too short (" + patch.size() + " bytes)");
    }
    patch.readFully(0, magic, 0, 8);
    if (Arrays.equals(magic, Bsdiff40Format.MAGIC)) {
      return guarded(() -> applyBsdiff40(old, patch, out));
    }
    checkNativeMagic(magic);
    InputStream in = new BufferedInputStream(new SourceInputStream(patch, 8, patch.size() - 8));
    return guarded(() -> applyNative(old, magic, in, out));
  }

  private static void checkNativeMagic(byte[] magic) throws DeltaFormatException {
    if (!Arrays.equals(magic, NativeFormat.MAGIC)) {
      String shown = HexFormat.of().formatHex(magic);
      throw new DeltaFormatException(
          "not a patch: unknown magic " + shown + " (expected FMDELTA1 or BSDIFF40)");
    }
  }

  private interface Body {
    ApplyResult run() throws IOException;
  }

  /** Turns decoder failures of the compression libraries into {@link DeltaFormatException}. */
  private static ApplyResult guarded(Body body) throws IOException {
    try {
      return body.run();
    } catch (DeltaFormatException e) {
      throw e;
    } catch (UncheckedIOException e) {
      throw new DeltaFormatException("corrupt patch: " + e.getCause().getMessage(), e);
    } catch (IOException e) {
      if (isCodecError(e)) {
        throw new DeltaFormatException("corrupt patch: " + e.getMessage(), e);
      }
      throw e;
    } catch (RuntimeException e) {
      throw new DeltaFormatException("corrupt patch: " + e, e);
    }
  }

  private static boolean isCodecError(IOException e) {
    String cls = e.getClass().getName();
    return cls.startsWith("com.github.luben.zstd.")
        || cls.startsWith("org.tukaani.xz.")
        || cls.startsWith("org.apache.commons.compress.")
        || (e.getStackTrace().length > 0
            && e.getStackTrace()[0].getClassName().startsWith("org.apache.commons.compress."));
  }

  private static ApplyResult applyNative(
      SeekableSource old, byte[] magic, InputStream in, OutputStream out) throws IOException {
    NativeFormat.Header h = NativeFormat.readHeader(magic, in);
    long oldSize = old.size();
    if (oldSize != h.oldSize()) {
      throw new DeltaFormatException(
          "wrong old image: patch expects " + h.oldSize() + " bytes, got " + oldSize);
    }
    byte[] a = new byte[IO_BUFFER];
    byte[] b = new byte[IO_BUFFER];
    long bufferBytes = 2L * IO_BUFFER;
    MessageDigest md = Sha256.newDigest();
    for (long pos = 0; pos < oldSize; ) {
      int n = (int) Math.min(IO_BUFFER, oldSize - pos);
      old.readFully(pos, a, 0, n);
      md.update(a, 0, n);
      pos += n;
    }
    if (!MessageDigest.isEqual(md.digest(), h.oldSha256())) {
      throw new DeltaFormatException("wrong old image: SHA-256 does not match the patch header");
    }
    FilteredOldImage fOld = new FilteredOldImage(old, oldSize, h.filter(), h.abs32());
    RegionTable regions = h.regions();
    UnfilterOutputStream uout = new UnfilterOutputStream(out, h.filter(), regions, h.newSize(), md);
    bufferBytes +=
        fOld.bufferBytes() + uout.bufferBytes() + (regions == null ? 0 : regions.memoryBytes());
    byte[] ctrlBuf = new byte[0];
    byte[] diffBuf = new byte[0];
    byte[] chunkHeader = new byte[NativeFormat.CHUNK_HEADER_SIZE];
    long oldPos = 0;
    long newPos = 0;
    for (int c = 0; c < h.chunks(); c++) {
      BoundedInputStream.readFully(in, chunkHeader, 0, chunkHeader.length);
      java.nio.ByteBuffer cb = java.nio.ByteBuffer.wrap(chunkHeader);
      long len = cb.getInt() & 0xffffffffL;
      int coding = cb.get() & 0xff;
      if (coding != NativeFormat.DIFF_PLAIN && coding != NativeFormat.DIFF_ZERO_RUNS) {
        throw new DeltaFormatException("chunk " + c + " uses unknown diff coding " + coding);
      }
      long ctrlLen = cb.getInt() & 0xffffffffL;
      long diffLen = cb.getInt() & 0xffffffffL;
      long extraLen = cb.getInt() & 0xffffffffL;
      long expected = Math.min(h.chunkSize(), h.newSize() - newPos);
      if (len != expected) {
        throw new DeltaFormatException(
            "chunk " + c + " declares " + len + " bytes, expected " + expected);
      }
      long cap = NativeFormat.streamCap((int) len);
      if (ctrlLen > cap || diffLen > cap || extraLen > cap) {
        throw new DeltaFormatException("chunk " + c + " declares an oversized stream");
      }
      if (ctrlBuf.length < ctrlLen) {
        bufferBytes += ctrlLen - ctrlBuf.length;
        ctrlBuf = new byte[(int) ctrlLen];
      }
      if (diffBuf.length < diffLen) {
        bufferBytes += diffLen - diffBuf.length;
        diffBuf = new byte[(int) diffLen];
      }
      BoundedInputStream.readFully(in, ctrlBuf, 0, (int) ctrlLen);
      BoundedInputStream.readFully(in, diffBuf, 0, (int) diffLen);
      BoundedInputStream extraRaw = new BoundedInputStream(in, extraLen);
      ByteArrayInputStream ctrlRaw = new ByteArrayInputStream(ctrlBuf, 0, (int) ctrlLen);
      ByteArrayInputStream diffRaw = new ByteArrayInputStream(diffBuf, 0, (int) diffLen);
      try (InputStream ctrl = decoder(ctrlRaw, ctrlLen, h, cap, "control");
          InputStream diffZ = decoder(diffRaw, diffLen, h, cap, "diff");
          InputStream diff =
              coding == NativeFormat.DIFF_ZERO_RUNS ? new ZeroRuns.Decoder(diffZ, len) : diffZ;
          InputStream extra = decoder(extraRaw, extraLen, h, cap, "extra")) {
        long produced = 0;
        while (produced < len) {
          long seek = Varint.readSigned(ctrl);
          long d = Varint.readUnsigned(ctrl);
          long e = Varint.readUnsigned(ctrl);
          if (d + e == 0 || d > len - produced || e > len - produced - d) {
            throw new DeltaFormatException(
                "control entry (" + d + ", " + e + ") does not fit chunk " + c);
          }
          if (seek < -oldSize || seek > oldSize) {
            throw new DeltaFormatException("control entry seeks out of the old image");
          }
          oldPos += seek;
          if (oldPos < 0 || oldPos > oldSize || (d > oldSize - oldPos)) {
            throw new DeltaFormatException(
                "control entry reads old bytes ["
                    + oldPos
                    + ", "
                    + (oldPos + d)
                    + ") outside 0.."
                    + oldSize);
          }
          while (d > 0) {
            long at = newPos + produced;
            // Pieces end at 4-aligned new positions so that no word of the transform straddles.
            int n = (int) Math.min(d, IO_BUFFER - (at & 3));
            if (regions == null) {
              fOld.read(oldPos, a, 0, n);
            } else {
              // A piece ends where its region does (a multiple of 4: words stay whole).
              n = (int) Math.min(n, regions.regionEnd(at, h.newSize()) - at);
              if (regions.filteredAt(at)) {
                fOld.read(oldPos, a, 0, n);
              } else {
                old.readFully(oldPos, a, 0, n);
              }
            }
            readExactly(diff, b, n, "diff");
            h.transform().add(a, b, n, at);
            uout.write(a, 0, n);
            oldPos += n;
            d -= n;
            produced += n;
          }
          while (e > 0) {
            int n = (int) Math.min(e, IO_BUFFER);
            readExactly(extra, a, n, "extra");
            uout.write(a, 0, n);
            e -= n;
            produced += n;
          }
        }
        if (ctrl.read() >= 0 || diff.read() >= 0 || extra.read() >= 0) {
          throw new DeltaFormatException("chunk " + c + " holds more data than its control uses");
        }
        if (extraRaw.remaining() != 0 || ctrlRaw.available() != 0 || diffRaw.available() != 0) {
          throw new DeltaFormatException("chunk " + c + " has trailing bytes");
        }
      }
      newPos += len;
    }
    if (in.read() >= 0) {
      throw new DeltaFormatException("trailing bytes after the last chunk");
    }
    uout.finish();
    byte[] sha = md.digest();
    if (uout.written() != h.newSize()) {
      throw new DeltaFormatException("patch produced " + uout.written() + " bytes");
    }
    if (!MessageDigest.isEqual(sha, h.newSha256())) {
      throw new DeltaFormatException("new image SHA-256 does not match the patch header");
    }
    return new ApplyResult(PatchFormat.NATIVE, h.newSize(), sha, bufferBytes);
  }

  /**
   * The decoder of one compressed stream of {@code len} bytes in the patch's codec: zstd within the
   * header's window, or raw LZMA (properties, decoded length at most {@code cap}, data) with a
   * dictionary no larger than the window.
   */
  private static InputStream decoder(
      InputStream raw, long len, NativeFormat.Header h, long cap, String what) throws IOException {
    if (len == 0) {
      return InputStream.nullInputStream();
    }
    if (h.codec() == NativeFormat.CODEC_ZSTD) {
      ZstdInputStreamNoFinalizer z = new ZstdInputStreamNoFinalizer(raw);
      z.setLongMax(h.windowLog());
      return z;
    }
    int props = raw.read();
    if (props < 0 || props >= 9 * 5 * 5) {
      throw new DeltaFormatException("LZMA " + what + " stream has bad properties " + props);
    }
    long decoded = Varint.readUnsigned(raw);
    if (decoded < 1 || decoded > cap) {
      throw new DeltaFormatException(
          "LZMA " + what + " stream declares " + decoded + " decoded bytes");
    }
    return new java.io.FilterInputStream(
        new org.tukaani.xz.LZMAInputStream(raw, decoded, (byte) props, 1 << h.windowLog())) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (java.io.EOFException e) {
          throw new DeltaFormatException("LZMA " + what + " stream ends early");
        }
      }

      @Override
      public int read(byte[] b, int off, int n) throws IOException {
        try {
          return super.read(b, off, n);
        } catch (java.io.EOFException e) {
          throw new DeltaFormatException("LZMA " + what + " stream ends early");
        }
      }
    };
  }

  private static void readExactly(InputStream in, byte[] b, int n, String what) throws IOException {
    int done = 0;
    while (done < n) {
      int r = in.read(b, done, n - done);
      if (r < 0) {
        throw new DeltaFormatException(what + " stream ends early");
      }
      done += r;
    }
  }

  private static ApplyResult applyBsdiff40(
      SeekableSource old, SeekableSource patch, OutputStream out) throws IOException {
    long patchSize = patch.size();
    if (patchSize < Bsdiff40Format.HEADER_SIZE) {
      throw new DeltaFormatException("BSDIFF40 patch is truncated (no header)");
    }
    byte[] hb = new byte[Bsdiff40Format.HEADER_SIZE];
    patch.readFully(0, hb, 0, hb.length);
    Bsdiff40Format.Header h = Bsdiff40Format.readHeader(hb);
    long bodies = patchSize - Bsdiff40Format.HEADER_SIZE;
    if (h.ctrlLen() > bodies || h.diffLen() > bodies - h.ctrlLen()) {
      throw new DeltaFormatException("BSDIFF40 block lengths exceed the patch size");
    }
    long oldSize = old.size();
    long ctrlStart = Bsdiff40Format.HEADER_SIZE;
    long diffStart = ctrlStart + h.ctrlLen();
    long extraStart = diffStart + h.diffLen();
    MessageDigest md = Sha256.newDigest();
    UnfilterOutputStream uout = new UnfilterOutputStream(out, BranchFilter.NONE, md);
    FilteredOldImage fOld = new FilteredOldImage(old, oldSize, BranchFilter.NONE);
    byte[] a = new byte[IO_BUFFER];
    byte[] b = new byte[IO_BUFFER];
    long bufferBytes = 2L * IO_BUFFER + fOld.bufferBytes() + uout.bufferBytes() + 3 * 8192;
    try (InputStream ctrl = bzip2(patch, ctrlStart, h.ctrlLen());
        InputStream diff = bzip2(patch, diffStart, h.diffLen());
        InputStream extra = bzip2(patch, extraStart, patchSize - extraStart)) {
      byte[] triple = new byte[24];
      long newPos = 0;
      long oldPos = 0;
      int empty = 0;
      while (newPos < h.newSize()) {
        readExactly(ctrl, triple, 24, "control");
        long d = Bsdiff40Format.getOff(triple, 0);
        long e = Bsdiff40Format.getOff(triple, 8);
        long seek = Bsdiff40Format.getOff(triple, 16);
        if (d < 0 || e < 0) {
          throw new DeltaFormatException("control entry holds a negative length");
        }
        if (d > h.newSize() - newPos || e > h.newSize() - newPos - d) {
          throw new DeltaFormatException("control entry runs past the new size");
        }
        if (d + e == 0 && ++empty > MAX_EMPTY_ENTRIES) {
          throw new DeltaFormatException("too many empty control entries");
        } else if (d + e > 0) {
          empty = 0;
        }
        if (d > 0 && (oldPos < 0 || oldPos > oldSize || d > oldSize - oldPos)) {
          throw new DeltaFormatException(
              "control entry reads old bytes ["
                  + oldPos
                  + ", "
                  + (oldPos + d)
                  + ") outside 0.."
                  + oldSize);
        }
        if (seek < -NativeFormat.MAX_IMAGE || seek > NativeFormat.MAX_IMAGE) {
          throw new DeltaFormatException("control entry seeks out of range");
        }
        for (long left = d; left > 0; ) {
          int n = (int) Math.min(left, IO_BUFFER);
          fOld.read(oldPos, a, 0, n);
          readExactly(diff, b, n, "diff");
          for (int k = 0; k < n; k++) {
            a[k] += b[k];
          }
          uout.write(a, 0, n);
          oldPos += n;
          left -= n;
        }
        for (long left = e; left > 0; ) {
          int n = (int) Math.min(left, IO_BUFFER);
          readExactly(extra, a, n, "extra");
          uout.write(a, 0, n);
          left -= n;
        }
        newPos += d + e;
        oldPos += seek;
        if (oldPos < -NativeFormat.MAX_IMAGE || oldPos > 2 * NativeFormat.MAX_IMAGE) {
          throw new DeltaFormatException("control entry seeks out of range");
        }
      }
      // Reading each stream to its end makes bzip2 check its end marker and CRC.
      if (ctrl.read() >= 0 || diff.read() >= 0 || extra.read() >= 0) {
        throw new DeltaFormatException("BSDIFF40 streams hold more data than the control uses");
      }
    }
    uout.finish();
    return new ApplyResult(PatchFormat.BSDIFF40, uout.written(), md.digest(), bufferBytes);
  }

  private static InputStream bzip2(SeekableSource patch, long start, long len) throws IOException {
    return new BZip2CompressorInputStream(
        new BufferedInputStream(new SourceInputStream(patch, start, len), 8192));
  }
}
