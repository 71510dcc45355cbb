package dev.firmament.delta.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ABS32 table: projection known answers, its wire form, hostile tables, and building one. */
class Abs32TableTest {
  private static final long BASE = 0x0800_0000L;

  private static Abs32Table table() throws IOException {
    return Abs32Table.of(
        new long[] {BASE + 0x100, BASE + 0x200, BASE + 0x300}, new long[] {16, -8, 0});
  }

  @Test
  void aWordTakesTheShiftOfTheSegmentItFallsIn() throws IOException {
    Abs32Table t = table();
    assertThat(t.entries()).isEqualTo(3);
    assertThat(t.memoryBytes()).isEqualTo(24);
    assertThat(t.project((int) (BASE + 0xFF))).isEqualTo((int) (BASE + 0xFF));
    assertThat(t.project((int) (BASE + 0x100))).isEqualTo((int) (BASE + 0x110));
    assertThat(t.project((int) (BASE + 0x1FF))).isEqualTo((int) (BASE + 0x20F));
    assertThat(t.project((int) (BASE + 0x200))).isEqualTo((int) (BASE + 0x1F8));
    assertThat(t.project((int) (BASE + 0x2FF))).isEqualTo((int) (BASE + 0x2F7));
    assertThat(t.project((int) (BASE + 0x300))).isEqualTo((int) (BASE + 0x300));
    assertThat(t.project(0)).isZero();
    assertThat(t.project(-1)).isEqualTo(-1);
  }

  @Test
  void shiftsWrapModulo2To32() throws IOException {
    Abs32Table t = Abs32Table.of(new long[] {0xFFFF_FFF0L}, new long[] {0x20});
    assertThat(t.project(0xFFFF_FFF0)).isEqualTo(0x10);
    assertThat(t.project(0xFFFF_FFEF)).isEqualTo(0xFFFF_FFEF);
    Abs32Table down = Abs32Table.of(new long[] {0x10}, new long[] {-0x20});
    assertThat(down.project(0x10)).isEqualTo(0xFFFF_FFF0);
    // A shift just below 2^32 moves a word down by the rest, and reads back the same.
    Abs32Table large = Abs32Table.of(new long[] {0x10}, new long[] {0xFFFF_FFF0L});
    assertThat(large.project(0x20)).isEqualTo(0x10);
    assertThat(Abs32Table.read(large.encode()).project(0x20)).isEqualTo(0x10);
  }

  @Test
  void onlyWholeAlignedWordsInsideTheImageAreProjected() throws IOException {
    Abs32Table t = table();
    int word = (int) (BASE + 0x100);
    ByteBuffer image = ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN);
    image.putInt(word).putInt(word).putInt(word).putShort((short) 0x0100);
    byte[] b = image.array();
    // A read from position 2 of the image: the word at 0 is cut, the words at 4 and 8 are whole,
    // the last two bytes are not a word of the image.
    byte[] read = Arrays.copyOfRange(b, 2, 14);
    t.projectRange(read, 0, read.length, 2, b.length);
    ByteBuffer r = ByteBuffer.wrap(read).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(r.getShort(0)).isEqualTo((short) (word >>> 16));
    assertThat(r.getInt(2)).isEqualTo(word + 16);
    assertThat(r.getInt(6)).isEqualTo(word + 16);
    assertThat(r.getShort(10)).isEqualTo((short) 0x0100);
    // A read that ends where a word ends projects that word.
    byte[] upTo12 = Arrays.copyOfRange(b, 4, 12);
    t.projectRange(upTo12, 0, upTo12.length, 4, b.length);
    assertThat(ByteBuffer.wrap(upTo12).order(ByteOrder.LITTLE_ENDIAN).getInt(4))
        .isEqualTo(word + 16);
    byte[] whole = t.applyTo(b);
    ByteBuffer w = ByteBuffer.wrap(whole).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(w.getInt(0)).isEqualTo(word + 16);
    assertThat(w.getInt(8)).isEqualTo(word + 16);
    assertThat(w.getShort(12)).isEqualTo((short) 0x0100);
  }

  /**
   * The applier's reads of the old image, at every position and length (whole words, words cut at
   * either end, ranges inside one word, the last partial word), equal the projected image.
   */
  @Test
  void everyReadOfTheOldImageIsTheProjectedImage() throws IOException {
    Abs32Table t = table();
    ByteBuffer image = ByteBuffer.allocate(42).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 10; i++) {
      image.putInt((int) (BASE + 0xF8 + 0x40 * i));
    }
    byte[] raw = image.array();
    raw[40] = 0x10;
    raw[41] = 0x01;
    for (BranchFilter f : new BranchFilter[] {BranchFilter.NONE, BranchFilter.THUMB_BL}) {
      byte[] filtered = raw.clone();
      f.encode(filtered, 0, filtered.length, 0);
      byte[] expected = t.applyTo(filtered);
      FilteredOldImage view =
          new FilteredOldImage(dev.firmament.delta.io.SeekableSource.of(raw), raw.length, f, t);
      for (int pos = 0; pos <= raw.length; pos++) {
        for (int len = 0; len <= Math.min(13, raw.length - pos); len++) {
          byte[] got = new byte[len + 2];
          view.read(pos, got, 1, len);
          assertThat(Arrays.copyOfRange(got, 1, 1 + len))
              .as("%s read at %d, %d bytes", f, pos, len)
              .isEqualTo(Arrays.copyOfRange(expected, pos, pos + len));
          assertThat(got[0]).isZero();
          assertThat(got[len + 1]).isZero();
        }
      }
    }
  }

  @Test
  void theWireFormRoundTrips() throws IOException {
    Abs32Table t = table();
    byte[] encoded = t.encode();
    Abs32Table back = Abs32Table.read(encoded);
    assertThat(back.encode()).isEqualTo(encoded);
    for (long v = BASE; v < BASE + 0x400; v += 4) {
      assertThat(back.project((int) v)).isEqualTo(t.project((int) v));
    }
    // A zero byte in the body (a shift that does not change) counts in the CRC like any other.
    Abs32Table flat = Abs32Table.of(new long[] {BASE, BASE + 4}, new long[] {0, 0});
    assertThat(flat.encode()).contains((byte) 0);
    assertThat(Abs32Table.read(flat.encode()).project((int) BASE + 4)).isEqualTo((int) BASE + 4);
    // count 3; start BASE+0x100 as a varint; shift +16; start +0x100; shift -24; +0x100; +8; CRC.
    assertThat(encoded[0]).isEqualTo((byte) 3);
    assertThat(encoded).hasSize(1 + 4 + 1 + 2 + 1 + 2 + 1 + 4);
  }

  /** A table body (count and entries as given) sealed with its CRC. */
  private static byte[] sealed(long count, long... startAndShiftDeltas) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Varint.writeUnsigned(out, count);
    for (int i = 0; i < startAndShiftDeltas.length; i += 2) {
      Varint.writeUnsigned(out, startAndShiftDeltas[i]);
      Varint.writeSigned(out, startAndShiftDeltas[i + 1]);
    }
    return Abs32Table.sealed(out.toByteArray());
  }

  @Test
  void hostileTablesAreRefusedWithTheirReason() {
    assertThat(catchRead(sealed(1, 5, 1))).isNull();
    assertThat(catchRead(sealed(0))).contains("declares 0 entries");
    assertThat(catchRead(sealed(Abs32Table.MAX_ENTRIES + 1, 1, 1)))
        .contains("declares " + (Abs32Table.MAX_ENTRIES + 1));
    assertThat(catchRead(sealed(2, 5, 1, 0, 1))).contains("does not start after the last");
    assertThat(catchRead(sealed(1, 1L << 32, 1))).contains("does not start after the last");
    assertThat(catchRead(sealed(2, 0xFFFF_FFFFL, 1, 1, 1))).contains("out of range");
    assertThat(catchRead(sealed(1, 5, 1L << 32))).contains("out of range");
    assertThat(catchRead(sealed(1, 5, -(1L << 32)))).contains("out of range");
    assertThat(catchRead(sealed(1, 5, 2L << 32))).contains("shifts out of range");
    assertThat(catchRead(sealed(1, 5, -(2L << 32)))).contains("shifts out of range");
    // The edges that are allowed: the most entries, the last start, the largest shifts.
    long[] most = new long[2 * Abs32Table.MAX_ENTRIES];
    for (int i = 0; i < most.length; i += 2) {
      most[i] = 1;
    }
    assertThat(catchRead(sealed(Abs32Table.MAX_ENTRIES, most))).isNull();
    assertThat(catchRead(sealed(1, 0xFFFF_FFFFL, 0))).isNull();
    assertThat(catchRead(sealed(1, 0, 5))).isNull();
    assertThat(catchRead(sealed(2, 1, (1L << 32) - 1, 1, -(2L << 32) + 2))).isNull();
    byte[] good = sealed(2, 5, 1, 7, -3);
    byte[] corrupt = good.clone();
    corrupt[2] ^= 1;
    assertThat(catchRead(corrupt)).contains("CRC mismatch");
    for (int n = 0; n < good.length; n++) {
      assertThat(catchRead(Arrays.copyOf(good, n))).as("cut at %d", n).startsWith("ABS32 table");
    }
  }

  private static String catchRead(byte[] encoded) {
    try {
      Abs32Table.read(encoded);
      return null;
    } catch (DeltaFormatException e) {
      return e.getMessage();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aTableReadFromAStreamLeavesWhatFollows() throws IOException {
    byte[] encoded = table().encode();
    byte[] withMore = Arrays.copyOf(encoded, encoded.length + 2);
    java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(withMore);
    Abs32Table.read(in);
    assertThat(in.available()).isEqualTo(2);
    assertThatThrownBy(() -> Abs32Table.read(new byte[] {(byte) 0x80}))
        .isInstanceOf(DeltaFormatException.class);
  }

  /**
   * Code moved by an insertion and a table of pointers into it: the table built from the scan's
   * alignment finds the load address and projects every pointer of the old table to the new one.
   */
  @Test
  void aTableBuiltFromTheAlignmentProjectsMovedPointers() throws Exception {
    Random r = new Random(3);
    int codeBytes = 32 * 1024;
    int pointers = 512;
    int inserted = 100;
    byte[] code = new byte[codeBytes];
    r.nextBytes(code);
    int at = codeBytes / 3 & ~3;
    ByteBuffer old = ByteBuffer.allocate(codeBytes + 4 * pointers).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer neu =
        ByteBuffer.allocate(codeBytes + inserted + 4 * pointers).order(ByteOrder.LITTLE_ENDIAN);
    old.put(code);
    byte[] fresh = new byte[inserted];
    r.nextBytes(fresh);
    neu.put(code, 0, at).put(fresh).put(code, at, codeBytes - at);
    for (int k = 0; k < pointers; k++) {
      int t = r.nextInt(codeBytes / 4) * 4;
      old.putInt((int) BASE + t);
      neu.putInt((int) BASE + (t < at ? t : t + inserted));
    }
    byte[] a = old.array();
    byte[] b = neu.array();
    DiffScript script = BsdiffScanner.scan(a, b, SuffixArray.build(a), Long.MAX_VALUE);
    Abs32Table t = Abs32Table.build(a, b, script);
    assertThat(t).isNotNull();
    byte[] projected = t.applyTo(a);
    int right = 0;
    for (int k = 0; k < pointers; k++) {
      int o = codeBytes + 4 * k;
      if (BranchFilter.le32(projected, o) == BranchFilter.le32(b, o + inserted)) {
        right++;
      }
    }
    // Every pointer is right: the base found is one under which every target falls in its run
    // (words that did not move decided between the bases the moved ones left open).
    assertThat(right).isEqualTo(pointers);
    // Two segments: the code after the insertion (and the table after it) moved by the inserted
    // bytes, closed at the end of the image.
    assertThat(t.entries()).isEqualTo(2);
    // (The segment starts where the scan's run after the insertion starts, past its first bytes.)
    int middle = (at + codeBytes) / 2 & ~3;
    assertThat(t.project((int) BASE + middle)).isEqualTo((int) BASE + middle + inserted);
    assertThat(t.project((int) BASE + at - 4)).isEqualTo((int) BASE + at - 4);
    // Without moved pointers there is nothing to project: no table.
    byte[] same = Arrays.copyOf(a, a.length);
    DiffScript identity = BsdiffScanner.scan(a, same, SuffixArray.build(a), Long.MAX_VALUE);
    assertThat(Abs32Table.build(a, same, identity)).isNull();
  }
}
