package dev.firmament.delta.internal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.zip.CRC32;

/** Constants, header layout and the writer of the native {@code FMDELTA1} format. */
public final class NativeFormat {
  public static final byte[] MAGIC = "FMDELTA1".getBytes(StandardCharsets.US_ASCII);
  public static final int HEADER_SIZE = 104;
  public static final int CHUNK_HEADER_SIZE = 17;

  /** Diff stream coding of a chunk: plain bytes. */
  public static final int DIFF_PLAIN = 0;

  /** Diff stream coding of a chunk: {@link ZeroRuns} tokens. */
  public static final int DIFF_ZERO_RUNS = 1;

  /** Plain diff coding is also tried for chunks whose diff stream is at most this long. */
  static final int PLAIN_TRIAL_MAX = 256 * 1024;

  /**
   * Plain coding is tried only when zstd's fastest useful level (3) makes the plain diff stream at
   * most this many times the zero-run tokens: on the tune half's chunks plain won at the final
   * levels up to a level-3 ratio of 1.115 and lost from 1.141 on (mostly-zero diff streams, where
   * the trial was also the slowest: zstd's level 22 took 80 ms on 200 KB of them).
   */
  static final double PLAIN_TRIAL_RATIO = 1.13;

  public static final int CODEC_ZSTD = 1;

  /**
   * Raw LZMA streams: each non-empty stream is a properties byte ({@code (pb * 5 + lp) * 9 + lc}),
   * the decoded length as an unsigned varint (at most {@link #streamCap} of the chunk), then LZMA
   * data without an end marker, decoded with a dictionary of {@code 2^windowLog} bytes (or the
   * decoded length when smaller).
   */
  public static final int CODEC_LZMA = 2;

  /** lc/lp/pb of control and diff streams (varints and diff tokens: little literal context). */
  static final int[] LZMA_TOKENS = {1, 0, 0};

  /** lc/lp/pb of extra streams (new code and data: LZMA's defaults). */
  static final int[] LZMA_LITERALS = {3, 0, 2};

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
      DiffTransform transform,
      int windowLog,
      int chunkSize,
      long oldSize,
      long newSize,
      byte[] oldSha256,
      byte[] newSha256,
      int chunks,
      Abs32Table abs32,
      RegionTable regions) {}

  /** Bit of the diff transform byte that says an ABS32 table follows the header (section 3.1). */
  public static final int ABS32_FLAG = 0x80;

  /**
   * Bit of the diff transform byte that says a filter region table follows the header (section
   * 3.2).
   */
  public static final int REGIONS_FLAG = 0x40;

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
    if (codec != CODEC_ZSTD && codec != CODEC_LZMA) {
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
    DiffTransform transform = DiffTransform.byId(h[11] & 0xff & ~(ABS32_FLAG | REGIONS_FLAG));
    if (transform == null) {
      throw new DeltaFormatException("unsupported diff transform " + (h[11] & 0xff));
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
    boolean hasAbs32 = (h[11] & ABS32_FLAG) != 0;
    boolean hasRegions = (h[11] & REGIONS_FLAG) != 0;
    if (hasRegions && filter == BranchFilter.NONE) {
      throw new DeltaFormatException("filter regions without a branch filter");
    }
    if (hasRegions && hasAbs32) {
      throw new DeltaFormatException("a patch carries filter regions or an ABS32 table, not both");
    }
    return new Header(
        codec,
        filter,
        transform,
        windowLog,
        chunkSize,
        oldSize,
        newSize,
        oldSha,
        newSha,
        (int) chunks,
        hasAbs32 ? Abs32Table.read(in) : null,
        hasRegions ? RegionTable.read(in, newSize) : null);
  }

  /**
   * Compresses the streams of every chunk with zero-run diff coding. The result gives the patch's
   * exact size without assembling it, the patch itself, and (when {@code keepRawDiff}) the patch
   * with a plain-coding trial of small diff streams ({@link Encoded#withPlainTrial}), which then
   * only compresses the raw diff streams: the other streams are shared.
   */
  public static Encoded encode(
      byte[] fOld,
      byte[] fNew,
      DiffScript script,
      BranchFilter filter,
      DiffTransform transform,
      int level,
      int chunkSize,
      boolean keepRawDiff)
      throws IOException {
    return encode(fOld, fNew, script, filter, null, transform, level, chunkSize, keepRawDiff);
  }

  /**
   * As {@link #encode(byte[], byte[], DiffScript, BranchFilter, DiffTransform, int, int, boolean)},
   * for a patch with filter regions (section 3.2): {@code fNew} is the new image filtered in the
   * table's filtered regions only, and diff runs in its raw regions read {@code rawOld}.
   */
  public static Encoded encode(
      byte[] fOld,
      byte[] rawOld,
      byte[] fNew,
      DiffScript script,
      BranchFilter filter,
      RegionTable regions,
      DiffTransform transform,
      int level,
      int chunkSize,
      boolean keepRawDiff)
      throws IOException {
    return encode(
        fOld,
        rawOld,
        fNew,
        script,
        filter,
        null,
        regions,
        transform,
        level,
        chunkSize,
        keepRawDiff);
  }

  /**
   * As {@link #encode(byte[], byte[], DiffScript, BranchFilter, DiffTransform, int, int, boolean)},
   * for a patch with an ABS32 table ({@code abs32}, null for none); {@code fOld} is then the
   * filtered old image already projected through it.
   */
  public static Encoded encode(
      byte[] fOld,
      byte[] fNew,
      DiffScript script,
      BranchFilter filter,
      Abs32Table abs32,
      DiffTransform transform,
      int level,
      int chunkSize,
      boolean keepRawDiff)
      throws IOException {
    return encode(
        fOld, fOld, fNew, script, filter, abs32, null, transform, level, chunkSize, keepRawDiff);
  }

  private static Encoded encode(
      byte[] fOld,
      byte[] rawOld,
      byte[] fNew,
      DiffScript script,
      BranchFilter filter,
      Abs32Table abs32,
      RegionTable regions,
      DiffTransform transform,
      int level,
      int chunkSize,
      boolean keepRawDiff)
      throws IOException {
    int windowLog = windowLogFor(chunkSize);
    List<Chunk> chunks = new ArrayList<>();
    try (ZstdCompressCtx ctx = newContext(level, windowLog)) {
      ChunkWriter w =
          new ChunkWriter(
              fOld, rawOld, regions, fNew, transform, chunkSize, ctx, chunks, keepRawDiff);
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
    return new Encoded(
        filter,
        abs32 == null ? null : abs32.encode(),
        regions == null ? null : regions.encode(),
        transform,
        level,
        windowLog,
        chunkSize,
        fOld.length,
        fNew.length,
        chunks);
  }

  private static ZstdCompressCtx newContext(int level, int windowLog) {
    ZstdCompressCtx ctx = new ZstdCompressCtx();
    ctx.setLevel(level);
    ctx.setWindowLog(windowLog);
    ctx.setContentSize(true);
    ctx.setChecksum(false);
    return ctx;
  }

  /**
   * One chunk's compressed streams (diff stream zero-run coded) and, if kept, its raw streams (the
   * raw diff before zero-run coding).
   */
  private record Chunk(
      int len,
      byte[] ctrl,
      byte[] diff,
      byte[] extra,
      byte[] rawCtrl,
      byte[] rawDiff,
      byte[] rawExtra,
      boolean tryPlain) {}

  /**
   * Whether plain coding of {@code rawDiff} may beat its zero-run {@code tokens}: small enough to
   * try, and not clearly larger at zstd level 3 ({@link #PLAIN_TRIAL_RATIO}).
   */
  static boolean plainWorthTrying(byte[] rawDiff, byte[] tokens) {
    if (rawDiff.length == 0 || rawDiff.length > PLAIN_TRIAL_MAX) {
      return false;
    }
    long plain = Zstd.compress(rawDiff, 3).length;
    long runs = Zstd.compress(tokens, 3).length;
    return plain <= PLAIN_TRIAL_RATIO * runs;
  }

  /** The compressed chunks of a patch; see {@link #encode}. */
  public static final class Encoded {
    private final BranchFilter filter;
    private final byte[] abs32;
    private final byte[] regions;
    private final DiffTransform transform;
    private final int level;
    private final int windowLog;
    private final int chunkSize;
    private final long oldSize;
    private final long newSize;
    private final List<Chunk> chunks;

    private Encoded(
        BranchFilter filter,
        byte[] abs32,
        byte[] regions,
        DiffTransform transform,
        int level,
        int windowLog,
        int chunkSize,
        long oldSize,
        long newSize,
        List<Chunk> chunks) {
      this.filter = filter;
      this.abs32 = abs32;
      this.regions = regions;
      this.transform = transform;
      this.level = level;
      this.windowLog = windowLog;
      this.chunkSize = chunkSize;
      this.oldSize = oldSize;
      this.newSize = newSize;
      this.chunks = chunks;
    }

    /** Exact length of {@link #patch}. */
    public long size() {
      long n =
          HEADER_SIZE + (abs32 == null ? 0 : abs32.length) + (regions == null ? 0 : regions.length);
      for (Chunk c : chunks) {
        n += CHUNK_HEADER_SIZE + c.ctrl.length + c.diff.length + c.extra.length;
      }
      return n;
    }

    /** The patch with zero-run diff coding in every chunk. */
    public byte[] patch(byte[] oldSha, byte[] newSha) throws IOException {
      byte[][] diffs = new byte[chunks.size()][];
      int[] codings = new int[chunks.size()];
      for (int i = 0; i < diffs.length; i++) {
        diffs[i] = chunks.get(i).diff;
        codings[i] = DIFF_ZERO_RUNS;
      }
      return assemble(oldSha, newSha, CODEC_ZSTD, null, diffs, null, codings);
    }

    /**
     * The patch where each chunk whose diff stream is {@link #plainWorthTrying worth a trial} uses
     * plain coding when that compresses smaller. Needs {@code keepRawDiff}.
     */
    public byte[] withPlainTrial(byte[] oldSha, byte[] newSha) throws IOException {
      byte[][] diffs = new byte[chunks.size()][];
      int[] codings = new int[chunks.size()];
      try (ZstdCompressCtx ctx = newContext(level, windowLog)) {
        for (int i = 0; i < diffs.length; i++) {
          Chunk c = chunks.get(i);
          diffs[i] = c.diff;
          codings[i] = DIFF_ZERO_RUNS;
          if (c.rawDiff == null) {
            throw new IllegalStateException("raw diff streams were not kept");
          }
          if (c.tryPlain) {
            byte[] plain = ctx.compress(c.rawDiff);
            if (plain.length < c.diff.length) {
              diffs[i] = plain;
              codings[i] = DIFF_PLAIN;
            }
          }
        }
      }
      return assemble(oldSha, newSha, CODEC_ZSTD, null, diffs, null, codings);
    }

    /**
     * The same patch with raw LZMA streams ({@link #CODEC_LZMA}): plain diff coding where the diff
     * stream is {@link #plainWorthTrying worth a trial}, zero-run coding elsewhere. Needs {@code
     * keepRawDiff}; empty when a decoded stream would exceed the format's cap. Each stream is a
     * task of {@code executor} (LZMA is the slowest stage of a diff and its streams are
     * independent); the result does not depend on the order they finish in.
     */
    public java.util.Optional<byte[]> withLzma(byte[] oldSha, byte[] newSha, Executor executor)
        throws IOException {
      int n = chunks.size();
      byte[][] tokens = new byte[n][];
      for (int i = 0; i < n; i++) {
        Chunk c = chunks.get(i);
        if (c.rawDiff == null) {
          throw new IllegalStateException("raw streams were not kept");
        }
        tokens[i] = ZeroRuns.encode(c.rawDiff);
        long cap = streamCap(c.len);
        if (c.rawCtrl.length > cap || tokens[i].length > cap || c.rawExtra.length > cap) {
          return java.util.Optional.empty();
        }
      }
      byte[][] ctrlStreams = new byte[n][];
      byte[][] diffStreams = new byte[n][];
      byte[][] extraStreams = new byte[n][];
      int[] codings = new int[n];
      record Stream(byte[] raw, int[] lcLpPb, byte[][] into, int chunk) {}
      List<Stream> streams = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Chunk c = chunks.get(i);
        // One coding of the diff stream, not both: where plain coding is worth a trial it was
        // also LZMA's smaller coding on every such chunk of the tune half (and of the held-out
        // half), and zero runs where it is not.
        codings[i] = c.tryPlain ? DIFF_PLAIN : DIFF_ZERO_RUNS;
        streams.add(new Stream(c.tryPlain ? c.rawDiff : tokens[i], LZMA_TOKENS, diffStreams, i));
        streams.add(new Stream(c.rawExtra, LZMA_LITERALS, extraStreams, i));
        streams.add(new Stream(c.rawCtrl, LZMA_TOKENS, ctrlStreams, i));
      }
      // The longest streams start first, so that the last tasks to start are short ones and the
      // threads finish close together.
      streams.sort(java.util.Comparator.comparingInt((Stream st) -> st.raw().length).reversed());
      List<CompletableFuture<byte[]>> encoded = new ArrayList<>();
      for (Stream st : streams) {
        encoded.add(lzmaAsync(st.raw(), st.lcLpPb(), executor));
      }
      for (int k = 0; k < streams.size(); k++) {
        Stream st = streams.get(k);
        st.into()[st.chunk()] = joinStream(encoded.get(k));
      }
      return java.util.Optional.of(
          assemble(oldSha, newSha, CODEC_LZMA, ctrlStreams, diffStreams, extraStreams, codings));
    }

    private CompletableFuture<byte[]> lzmaAsync(byte[] raw, int[] lcLpPb, Executor executor) {
      return CompletableFuture.supplyAsync(
          () -> {
            try {
              return lzma(raw, lcLpPb);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          },
          executor);
    }

    private static byte[] joinStream(CompletableFuture<byte[]> f) throws IOException {
      try {
        return f.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof UncheckedIOException u) {
          throw u.getCause();
        }
        throw e;
      }
    }

    /** A raw LZMA stream of this format: properties, decoded length, data without end marker. */
    private byte[] lzma(byte[] raw, int[] lcLpPb) throws IOException {
      if (raw.length == 0) {
        return raw;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(RawLzma.props(lcLpPb));
      Varint.writeUnsigned(out, raw.length);
      out.write(RawLzma.encode(raw, Math.max(4096, Math.min(1 << windowLog, raw.length)), lcLpPb));
      return out.toByteArray();
    }

    private byte[] assemble(
        byte[] oldSha,
        byte[] newSha,
        int codec,
        byte[][] ctrls,
        byte[][] diffs,
        byte[][] extras,
        int[] codings)
        throws IOException {
      ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
      h.put(MAGIC)
          .put((byte) codec)
          .put((byte) filter.id())
          .put((byte) windowLog)
          .put(
              (byte)
                  (transform.id()
                      | (abs32 == null ? 0 : ABS32_FLAG)
                      | (regions == null ? 0 : REGIONS_FLAG)))
          .putInt(chunkSize)
          .putLong(oldSize)
          .putLong(newSize)
          .put(oldSha)
          .put(newSha)
          .putInt((int) chunkCount(newSize, chunkSize));
      CRC32 crc = new CRC32();
      crc.update(h.array(), 0, HEADER_SIZE - 4);
      h.putInt((int) crc.getValue());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(h.array());
      if (abs32 != null) {
        out.write(abs32);
      }
      if (regions != null) {
        out.write(regions);
      }
      for (int i = 0; i < diffs.length; i++) {
        Chunk c = chunks.get(i);
        byte[] ct = ctrls == null ? c.ctrl : ctrls[i];
        byte[] df = diffs[i];
        byte[] ex = extras == null ? c.extra : extras[i];
        long cap = streamCap(c.len);
        if (ct.length > cap || df.length > cap || ex.length > cap) {
          throw new IOException("chunk stream exceeds the format's size cap");
        }
        ByteBuffer ch = ByteBuffer.allocate(CHUNK_HEADER_SIZE);
        ch.putInt(c.len)
            .put((byte) codings[i])
            .putInt(ct.length)
            .putInt(df.length)
            .putInt(ex.length);
        out.write(ch.array());
        out.write(ct);
        out.write(df);
        out.write(ex);
      }
      return out.toByteArray();
    }
  }

  /** Splits entries at chunk boundaries and compresses each chunk's streams. */
  private static final class ChunkWriter {
    final byte[] fOld;
    final byte[] rawOld;
    final RegionTable regions;
    final byte[] fNew;
    final DiffTransform transform;
    final boolean keepRawDiff;
    final int chunkSize;
    final ZstdCompressCtx ctx;
    final List<Chunk> chunks;
    final ByteArrayOutputStream ctrl = new ByteArrayOutputStream();
    final ByteArrayOutputStream diff = new ByteArrayOutputStream();
    final ByteArrayOutputStream extra = new ByteArrayOutputStream();
    byte[] scratch = new byte[0];
    long oldPos;
    int newPos;
    int chunkStart;

    ChunkWriter(
        byte[] fOld,
        byte[] rawOld,
        RegionTable regions,
        byte[] fNew,
        DiffTransform transform,
        int chunkSize,
        ZstdCompressCtx ctx,
        List<Chunk> chunks,
        boolean keepRawDiff) {
      this.keepRawDiff = keepRawDiff;
      this.fOld = fOld;
      this.rawOld = rawOld;
      this.regions = regions;
      this.transform = transform;
      this.fNew = fNew;
      this.chunkSize = chunkSize;
      this.ctx = ctx;
      this.chunks = chunks;
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
        if (scratch.length < dd) {
          scratch = new byte[dd];
        }
        if (regions == null) {
          transform.subtract(fNew, newPos, fOld, (int) oldPos, dd, newPos, scratch, 0);
        } else {
          // Each region's diff bytes against its own view of the old image.
          for (int done = 0; done < dd; ) {
            int at = newPos + done;
            int n = (int) Math.min(dd - done, regions.regionEnd(at, fNew.length) - at);
            byte[] view = regions.filteredAt(at) ? fOld : rawOld;
            transform.subtract(fNew, at, view, (int) oldPos + done, n, at, scratch, done);
            done += n;
          }
        }
        diff.write(scratch, 0, dd);
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
      byte[] rawCtrl = ctrl.toByteArray();
      byte[] rawDiff = diff.toByteArray();
      byte[] rawExtra = extra.toByteArray();
      byte[] c = compress(rawCtrl);
      byte[] tokens = ZeroRuns.encode(rawDiff);
      byte[] df = compress(tokens);
      byte[] ex = compress(rawExtra);
      chunks.add(
          keepRawDiff
              ? new Chunk(
                  len, c, df, ex, rawCtrl, rawDiff, rawExtra, plainWorthTrying(rawDiff, tokens))
              : new Chunk(len, c, df, ex, null, null, null, false));
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
