package dev.firmament.delta.internal;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.firmament.delta.DeltaFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/** Constants, header layout and the writer of the native {@code FMDELTA1} format. */
public final class NativeFormat {
  public static final byte[] MAGIC = "FMDELTA1".getBytes(StandardCharsets.US_ASCII);
  public static final int HEADER_SIZE = 104;
  public static final int CHUNK_HEADER_SIZE = 16;
  public static final int CODEC_ZSTD = 1;
  public static final int MIN_CHUNK = 4096;
  public static final int MAX_CHUNK = 8 << 20;
  public static final int DEFAULT_CHUNK = 1 << 20;
  public static final int MIN_WINDOW_LOG = 10;
  public static final int MAX_WINDOW_LOG = 23;

  /** Largest image either side may declare: 4 GiB. */
  public static final long MAX_IMAGE = 1L << 32;

  /** Slack above the chunk size allowed for one compressed stream of a chunk. */
  public static final int STREAM_SLACK = 64 * 1024;

  private NativeFormat() {}

  /** Parsed fixed header. */
  public record Header(
      int codec,
      BranchFilter filter,
      int windowLog,
      int chunkSize,
      long oldSize,
      long newSize,
      byte[] oldSha256,
      byte[] newSha256,
      int chunks) {}

  public static int windowLogFor(int chunkSize) {
    int log = 32 - Integer.numberOfLeadingZeros(chunkSize - 1);
    return Math.max(MIN_WINDOW_LOG, Math.min(MAX_WINDOW_LOG, log));
  }

  public static long chunkCount(long newSize, int chunkSize) {
    return (newSize + chunkSize - 1) / chunkSize;
  }

  public static long streamCap(int chunkLen) {
    return (long) chunkLen + STREAM_SLACK;
  }

  /** Reads and validates the header; the magic has already been read into {@code magic}. */
  public static Header readHeader(byte[] magic, InputStream in) throws IOException {
    byte[] h = new byte[HEADER_SIZE];
    System.arraycopy(magic, 0, h, 0, MAGIC.length);
    BoundedInputStream.readFully(in, h, MAGIC.length, HEADER_SIZE - MAGIC.length);
    if (!Arrays.equals(h, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new DeltaFormatException("not a FMDELTA1 patch (bad magic)");
    }
    ByteBuffer bb = ByteBuffer.wrap(h);
    CRC32 crc = new CRC32();
    crc.update(h, 0, HEADER_SIZE - 4);
    if ((int) crc.getValue() != bb.getInt(HEADER_SIZE - 4)) {
      throw new DeltaFormatException("patch header is corrupt (CRC mismatch)");
    }
    int codec = h[8] & 0xff;
    if (codec != CODEC_ZSTD) {
      throw new DeltaFormatException("unsupported codec " + codec);
    }
    BranchFilter filter = BranchFilter.byId(h[9] & 0xff);
    if (filter == null) {
      throw new DeltaFormatException("unsupported filter " + (h[9] & 0xff));
    }
    int windowLog = h[10] & 0xff;
    if (windowLog < MIN_WINDOW_LOG || windowLog > MAX_WINDOW_LOG) {
      throw new DeltaFormatException("window log " + windowLog + " out of range");
    }
    if (h[11] != 0) {
      throw new DeltaFormatException("reserved header byte is not zero");
    }
    int chunkSize = bb.getInt(12);
    if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) {
      throw new DeltaFormatException("chunk size " + chunkSize + " out of range");
    }
    if (windowLog < windowLogFor(chunkSize)) {
      throw new DeltaFormatException("window log too small for the chunk size");
    }
    long oldSize = bb.getLong(16);
    long newSize = bb.getLong(24);
    if (oldSize < 0 || oldSize > MAX_IMAGE) {
      throw new DeltaFormatException("declared old size " + oldSize + " out of range");
    }
    if (newSize < 0 || newSize > MAX_IMAGE) {
      throw new DeltaFormatException("declared new size " + newSize + " out of range");
    }
    byte[] oldSha = Arrays.copyOfRange(h, 32, 64);
    byte[] newSha = Arrays.copyOfRange(h, 64, 96);
    long chunks = bb.getInt(96) & 0xffffffffL;
    if (chunks != chunkCount(newSize, chunkSize)) {
      throw new DeltaFormatException(
          "chunk count " + chunks + " does not match new size " + newSize);
    }
    return new Header(
        codec, filter, windowLog, chunkSize, oldSize, newSize, oldSha, newSha, (int) chunks);
  }

  /**
   * Writes a patch.
   *
   * @param fOld old image after {@code filter}
   * @param fNew new image after {@code filter}
   */
  public static byte[] write(
      byte[] fOld,
      byte[] fNew,
      byte[] oldSha,
      byte[] newSha,
      DiffScript script,
      BranchFilter filter,
      int level,
      int chunkSize)
      throws IOException {
    int windowLog = windowLogFor(chunkSize);
    long chunks = chunkCount(fNew.length, chunkSize);
    ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
    h.put(MAGIC)
        .put((byte) CODEC_ZSTD)
        .put((byte) filter.id())
        .put((byte) windowLog)
        .put((byte) 0)
        .putInt(chunkSize)
        .putLong(fOld.length)
        .putLong(fNew.length)
        .put(oldSha)
        .put(newSha)
        .putInt((int) chunks);
    CRC32 crc = new CRC32();
    crc.update(h.array(), 0, HEADER_SIZE - 4);
    h.putInt((int) crc.getValue());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(h.array());

    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      ctx.setLevel(level);
      ctx.setWindowLog(windowLog);
      ctx.setContentSize(true);
      ctx.setChecksum(false);
      ChunkWriter w = new ChunkWriter(fOld, fNew, chunkSize, ctx, out);
      long pendingSeek = 0;
      for (int i = 0; i < script.size(); i++) {
        int d = script.diffLen(i);
        int e = script.extraLen(i);
        if (d + e > 0) {
          w.entry(pendingSeek, d, e);
          pendingSeek = 0;
        }
        pendingSeek += script.seek(i);
      }
      w.finish();
      if (w.newPos != fNew.length) {
        throw new IllegalStateException("script covers " + w.newPos + " of " + fNew.length);
      }
    }
    return out.toByteArray();
  }

  /** Splits entries at chunk boundaries and emits chunks. */
  private static final class ChunkWriter {
    final byte[] fOld;
    final byte[] fNew;
    final int chunkSize;
    final ZstdCompressCtx ctx;
    final ByteArrayOutputStream out;
    final ByteArrayOutputStream ctrl = new ByteArrayOutputStream();
    final ByteArrayOutputStream diff = new ByteArrayOutputStream();
    final ByteArrayOutputStream extra = new ByteArrayOutputStream();
    long oldPos;
    int newPos;
    int chunkStart;

    ChunkWriter(
        byte[] fOld, byte[] fNew, int chunkSize, ZstdCompressCtx ctx, ByteArrayOutputStream out) {
      this.fOld = fOld;
      this.fNew = fNew;
      this.chunkSize = chunkSize;
      this.ctx = ctx;
      this.out = out;
    }

    void entry(long seek, int d, int e) throws IOException {
      oldPos += seek;
      while (d + e > 0) {
        int room = chunkStart + chunkSize - newPos;
        int dd = Math.min(d, room);
        int ee = Math.min(e, room - dd);
        Varint.writeSigned(ctrl, seek);
        Varint.writeUnsigned(ctrl, dd);
        Varint.writeUnsigned(ctrl, ee);
        seek = 0;
        for (int k = 0; k < dd; k++) {
          diff.write(fNew[newPos + k] - fOld[(int) oldPos + k]);
        }
        extra.write(fNew, newPos + dd, ee);
        newPos += dd + ee;
        oldPos += dd;
        d -= dd;
        e -= ee;
        if (newPos - chunkStart == chunkSize) {
          flush();
        }
      }
    }

    void finish() throws IOException {
      if (newPos > chunkStart) {
        flush();
      }
    }

    private void flush() throws IOException {
      int len = newPos - chunkStart;
      byte[] c = compress(ctrl.toByteArray());
      byte[] df = compress(diff.toByteArray());
      byte[] ex = compress(extra.toByteArray());
      long cap = streamCap(len);
      if (c.length > cap || df.length > cap || ex.length > cap) {
        throw new IOException("chunk stream exceeds the format's size cap");
      }
      ByteBuffer ch = ByteBuffer.allocate(CHUNK_HEADER_SIZE);
      ch.putInt(len).putInt(c.length).putInt(df.length).putInt(ex.length);
      out.write(ch.array());
      out.write(c);
      out.write(df);
      out.write(ex);
      ctrl.reset();
      diff.reset();
      extra.reset();
      chunkStart = newPos;
    }

    private byte[] compress(byte[] raw) {
      return raw.length == 0 ? raw : ctx.compress(raw);
    }
  }
}
