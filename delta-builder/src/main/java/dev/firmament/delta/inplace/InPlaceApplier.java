package dev.firmament.delta.inplace;

import dev.firmament.delta.internal.Varint;
import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.XZIOException;

/**
 * Applies {@code FMINPLC1} patches to a single-slot device's flash, resumably
 * (docs/delta-format.md, "In-place patches").
 *
 * <p>The apply is a sequence of steps, each one write of at most one segment: first the old image
 * moves up by the patch's shift, a segment at a time from its top; then each segment of the new
 * image is produced in RAM from the patch and the old bytes above it, and written. The journal
 * records each step once its write is done; a step cut by a power loss is done again from the same
 * bytes. Before its first write the apply runs the whole patch against the image without writing (a
 * dry run) and checks the result's SHA-256: a patch that does not produce its new image from this
 * old image changes nothing.
 */
public final class InPlaceApplier {
  private InPlaceApplier() {}

  /** What the patch needs and does, from its header. */
  public record Info(
      long memorySize,
      int segmentSize,
      long shift,
      long oldSize,
      long newSize,
      long steps,
      long scratchBytes,
      String newSha256) {}

  /** The header of {@code patch}, checked. */
  public static Info info(byte[] patch) throws DeltaFormatException {
    InPlaceFormat f = InPlaceFormat.read(patch);
    return new Info(
        f.memorySize(),
        f.segmentSize(),
        f.shift(),
        f.oldSize(),
        f.newSize(),
        shiftSteps(f) + f.segmentCount(),
        f.scratchBytes(),
        java.util.HexFormat.of().formatHex(f.newSha256()));
  }

  /**
   * The dry run a device runs before it accepts the patch's image: the patch is for this slot, the
   * slot holds its old image and the patch turns that into its new image; nothing is written.
   *
   * @throws DeltaFormatException when any of that is not so
   */
  public static Info dryRun(byte[] patch, SlotMemory memory) throws IOException {
    InPlaceFormat f = InPlaceFormat.read(patch);
    checkSlot(f, memory);
    verify(f, patch, memory);
    return info(patch);
  }

  private static void checkSlot(InPlaceFormat f, SlotMemory memory) throws DeltaFormatException {
    InPlaceFormat.check(
        memory.size() == f.memorySize(),
        "patch built for a slot of " + f.memorySize() + " bytes, this one has " + memory.size());
    InPlaceFormat.check(
        memory.eraseSize() > 0 && f.segmentSize() % memory.eraseSize() == 0,
        "segment of " + f.segmentSize() + " bytes is not a multiple of the erase block");
  }

  /**
   * Applies {@code patch} to {@code memory}, or goes on with an apply the journal says was cut.
   * Returns when the slot holds the new image, checked against its SHA-256.
   *
   * @throws DeltaFormatException when the patch is malformed, was built for another slot, does not
   *     belong to the image in the slot (nothing was written then), or the slot does not hold the
   *     new image at the end (a flash fault)
   */
  public static void apply(byte[] patch, SlotMemory memory, ApplyJournal journal)
      throws IOException {
    InPlaceFormat f = InPlaceFormat.read(patch);
    checkSlot(f, memory);
    byte[] id = sha256(patch, 0, patch.length);
    long done = journal.stepsDone(id);
    if (done == ApplyJournal.NOT_STARTED) {
      verify(f, patch, memory);
      journal.record(id, 0);
      done = 0;
    }
    long shiftSteps = shiftSteps(f);
    byte[] buf = new byte[f.segmentSize()];
    for (long step = done; step < shiftSteps; step++) {
      long block = shiftSteps - 1 - step;
      long from = block * f.segmentSize();
      int len = (int) Math.min(f.segmentSize(), f.oldSize() - from);
      memory.read(from, buf, 0, len);
      memory.write(from + f.shift(), buf, 0, len);
      journal.record(id, step + 1);
    }
    int first = (int) Math.max(0, done - shiftSteps);
    if (first < f.segmentCount()) {
      Streams streams = new Streams(f, patch);
      for (int i = 0; i < f.segmentCount(); i++) {
        int len = segmentLength(f, i);
        if (i < first) {
          streams.skip(f, i, len);
          continue;
        }
        streams.produce(f, i, buf, len, memory, f.shift());
        memory.write((long) i * f.segmentSize(), buf, 0, len);
        journal.record(id, shiftSteps + i + 1);
      }
    }
    MessageDigest sha = digest();
    for (long at = 0; at < f.newSize(); at += buf.length) {
      int len = (int) Math.min(buf.length, f.newSize() - at);
      memory.read(at, buf, 0, len);
      sha.update(buf, 0, len);
    }
    InPlaceFormat.check(
        MessageDigest.isEqual(sha.digest(), f.newSha256()),
        "the slot does not hold the new image after the apply");
  }

  /**
   * Checks, without a device, that {@code patch} turns {@code oldImage} into its new image: the dry
   * run a device runs before its first write, over the old image as the slot would hold it.
   *
   * @return the new image's size
   * @throws DeltaFormatException when the patch is malformed or does not produce its new image
   */
  public static long check(byte[] patch, byte[] oldImage) throws IOException {
    InPlaceFormat f = InPlaceFormat.read(patch);
    SlotMemory slot =
        new SlotMemory() {
          @Override
          public long size() {
            return f.memorySize();
          }

          @Override
          public int eraseSize() {
            return f.segmentSize();
          }

          @Override
          public void read(long address, byte[] into, int off, int len)
              throws DeltaFormatException {
            InPlaceFormat.check(
                address >= 0 && address + len <= oldImage.length,
                "the patch reads past the old image");
            System.arraycopy(oldImage, (int) address, into, off, len);
          }

          @Override
          public void write(long address, byte[] from, int off, int len) {
            throw new UnsupportedOperationException("a check writes nothing");
          }
        };
    verify(f, patch, slot);
    return f.newSize();
  }

  /**
   * The dry run: checks that the slot holds the patch's old image and that the patch turns it into
   * its new image, writing nothing.
   */
  static void verify(InPlaceFormat f, byte[] patch, SlotMemory memory) throws IOException {
    byte[] buf = new byte[f.segmentSize()];
    MessageDigest sha = digest();
    for (long at = 0; at < f.oldSize(); at += buf.length) {
      int len = (int) Math.min(buf.length, f.oldSize() - at);
      memory.read(at, buf, 0, len);
      sha.update(buf, 0, len);
    }
    InPlaceFormat.check(
        MessageDigest.isEqual(sha.digest(), f.oldSha256()),
        "the slot does not hold the patch's old image");
    Streams streams = new Streams(f, patch);
    for (int i = 0; i < f.segmentCount(); i++) {
      int len = segmentLength(f, i);
      // Nothing has moved yet: the old image is where it was.
      streams.produce(f, i, buf, len, memory, 0);
      sha.update(buf, 0, len);
    }
    streams.end();
    InPlaceFormat.check(
        MessageDigest.isEqual(sha.digest(), f.newSha256()),
        "the patch does not produce its new image (SHA-256 mismatch)");
  }

  /** Steps that move the old image up: none without a shift, else a segment of it at a time. */
  static long shiftSteps(InPlaceFormat f) {
    return f.shift() == 0 ? 0 : (f.oldSize() + f.segmentSize() - 1) / f.segmentSize();
  }

  private static int segmentLength(InPlaceFormat f, int i) {
    return (int) Math.min(f.segmentSize(), f.newSize() - (long) i * f.segmentSize());
  }

  /** The three decoded streams, read in step with the segments. */
  private static final class Streams {
    private final InputStream ctrl;
    private final InputStream diff;
    private final InputStream extra;
    private final byte[] old;

    Streams(InPlaceFormat f, byte[] patch) throws IOException {
      int at = InPlaceFormat.HEADER_BYTES;
      ctrl = open(f.ctrl(), patch, at);
      at += (int) f.ctrl().packed();
      diff = open(f.diff(), patch, at);
      at += (int) f.diff().packed();
      extra = open(f.extra(), patch, at);
      old = new byte[Math.min(f.segmentSize(), 4096)];
    }

    private static InputStream open(InPlaceFormat.Stream s, byte[] patch, int at)
        throws IOException {
      InputStream packed = new ByteArrayInputStream(patch, at, (int) s.packed());
      if (s.raw() == 0) {
        return packed;
      }
      try {
        return new Checked(
            new LZMAInputStream(packed, s.raw(), s.lc(), s.lp(), s.pb(), s.dictSize(), null));
      } catch (XZIOException | EOFException e) {
        throw corrupt(e);
      }
    }

    /**
     * Segment {@code i} into {@code out}: each entry seeks, then adds the diff bytes to old bytes
     * read from the slot at {@code base} plus their offset in the old image, then copies extra
     * bytes. Every old byte read lies in the segment's window.
     */
    void produce(InPlaceFormat f, int i, byte[] out, int len, SlotMemory memory, long base)
        throws IOException {
      long lo = Math.min(f.oldSize(), Math.max(0, (long) (i + 1) * f.segmentSize() - f.shift()));
      long oldPos = lo;
      int pos = 0;
      long entries = Varint.readUnsigned(ctrl);
      InPlaceFormat.check(entries <= len, "segment " + i + " has more entries than bytes");
      for (long e = 0; e < entries; e++) {
        long seek = Varint.readSigned(ctrl);
        long d = Varint.readUnsigned(ctrl);
        long x = Varint.readUnsigned(ctrl);
        InPlaceFormat.check(d + x >= 1, "segment " + i + ": an entry without output");
        InPlaceFormat.check(d <= len - pos && x <= len - pos - d, "segment " + i + " overflows");
        oldPos += seek;
        InPlaceFormat.check(
            oldPos >= lo && oldPos <= f.oldSize() - d,
            "segment " + i + " reads old bytes outside the part of the image still in place");
        readFully(diff, out, pos, (int) d);
        for (int done = 0; done < d; ) {
          int n = (int) Math.min(old.length, d - done);
          memory.read(base + oldPos + done, old, 0, n);
          for (int k = 0; k < n; k++) {
            out[pos + done + k] += old[k];
          }
          done += n;
        }
        oldPos += d;
        pos += (int) d;
        readFully(extra, out, pos, (int) x);
        pos += (int) x;
      }
      InPlaceFormat.check(pos == len, "segment " + i + " does not fill its bytes");
    }

    /** Reads past segment {@code i} without producing it (resuming after a cut). */
    void skip(InPlaceFormat f, int i, int len) throws IOException {
      long entries = Varint.readUnsigned(ctrl);
      long d = 0;
      long x = 0;
      for (long e = 0; e < entries; e++) {
        Varint.readSigned(ctrl);
        d += Varint.readUnsigned(ctrl);
        x += Varint.readUnsigned(ctrl);
      }
      InPlaceFormat.check(d + x == len, "segment " + i + " does not fill its bytes");
      discard(diff, d);
      discard(extra, x);
    }

    /** All three streams are used up. */
    void end() throws IOException {
      InPlaceFormat.check(
          ctrl.read() < 0 && diff.read() < 0 && extra.read() < 0,
          "in-place patch streams hold bytes after the last segment");
    }

    private void discard(InputStream in, long n) throws IOException {
      byte[] sink = new byte[4096];
      while (n > 0) {
        int k = (int) Math.min(sink.length, n);
        readFully(in, sink, 0, k);
        n -= k;
      }
    }

    private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
      int n = in.readNBytes(b, off, len);
      InPlaceFormat.check(n == len, "in-place patch stream ends early");
    }
  }

  /**
   * The decoders read the patch from memory: whatever they cannot decode (corrupt data, an early
   * end) is a fault of the patch.
   */
  private static DeltaFormatException corrupt(IOException e) {
    return new DeltaFormatException("in-place patch stream is corrupt: " + e.getMessage(), e);
  }

  /** A decoder whose complaints about its input are complaints about the patch. */
  private static final class Checked extends FilterInputStream {
    Checked(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (XZIOException | EOFException e) {
        throw corrupt(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (XZIOException | EOFException e) {
        throw corrupt(e);
      }
    }
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256(byte[] data, int off, int len) {
    MessageDigest sha = digest();
    sha.update(data, off, len);
    return sha.digest();
  }
}
