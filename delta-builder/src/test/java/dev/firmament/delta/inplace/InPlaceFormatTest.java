package dev.firmament.delta.inplace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.internal.Varint;
import dev.firmament.delta.io.DeltaFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * The {@code FMINPLC1} header's rules one by one (with a valid CRC, so that each rule is what
 * refuses), and hand-made streams that break the apply's rules: each is refused before any write.
 */
class InPlaceFormatTest {
  private static final int SEG = 4096;
  private static final int[] PROPS = {3, 0, 2};

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private final byte[] old = random(8192, 1);

  /** A valid patch from {@link #old} to a new image, in a slot of 16 KiB (shift 8 KiB). */
  private byte[] validPatch() {
    byte[] neu = old.clone();
    neu[10] ^= 1;
    return InPlaceDiffer.diff(old, neu, new InPlaceLayout(16384, SEG)).patch();
  }

  /** {@code patch} with {@code edit} applied to its header and the CRC made right again. */
  private static byte[] edited(byte[] patch, Consumer<ByteBuffer> edit) {
    byte[] copy = patch.clone();
    ByteBuffer b = ByteBuffer.wrap(copy);
    edit.accept(b);
    CRC32 crc = new CRC32();
    crc.update(copy, 0, InPlaceFormat.HEADER_BYTES - 4);
    b.putInt(InPlaceFormat.HEADER_BYTES - 4, (int) crc.getValue());
    return copy;
  }

  private static void refused(byte[] patch, String message) {
    assertThatThrownBy(() -> InPlaceApplier.info(patch))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining(message);
  }

  private static void accepted(byte[] patch) throws DeltaFormatException {
    assertThat(InPlaceApplier.info(patch)).isNotNull();
  }

  @Test
  void eachHeaderRuleRefusesItsField() throws Exception {
    byte[] p = validPatch();
    InPlaceFormat f = InPlaceFormat.read(p);
    accepted(p);
    refused(edited(p, b -> b.put(8, (byte) 2)), "unknown in-place codec");
    for (int i = 9; i <= 11; i++) {
      int at = i;
      refused(edited(p, b -> b.put(at, (byte) 1)), "reserved header bytes must be zero");
    }
    for (int s = 0; s < 3; s++) {
      for (int r = 1; r <= 3; r++) {
        int at = 116 + 16 * s + r;
        refused(edited(p, b -> b.put(at, (byte) 1)), "reserved header bytes must be zero");
      }
    }
    refused(edited(p, b -> b.putInt(12, 3000)), "power of two");
    refused(edited(p, b -> b.putLong(16, 16384 + 100)), "multiple of the segment");
    refused(edited(p, b -> b.putLong(24, 100)), "shift must be a non-negative multiple");
    refused(edited(p, b -> b.putLong(24, -4096)), "shift must be a non-negative multiple");
    // The old image and its shift fill the slot exactly: allowed; one segment more: refused.
    accepted(edited(p, b -> b.putLong(24, 16384 - 8192)));
    refused(edited(p, b -> b.putLong(24, 16384 - 8192 + SEG)), "exceed the memory");
    refused(edited(p, b -> b.putLong(32, -1)), "old size out of range");
    refused(edited(p, b -> b.putLong(32, 1L << 31)), "old size out of range");
    refused(edited(p, b -> b.putLong(40, -1)), "new size out of range");
    refused(edited(p, b -> b.putLong(40, 1L << 31)), "new size out of range");
    refused(edited(p, b -> b.putLong(40, 16384 + 1).putInt(112, 5)), "new image exceeds");
    refused(edited(p, b -> b.putInt(112, f.segmentCount() + 1)), "segment count");
    refused(edited(p, b -> b.putInt(112, f.segmentCount() - 1)), "segment count");
    refused(edited(p, b -> b.put(116, (byte) 225)), "LZMA properties out of range");
    // lc 4 + lp 0 is the most allowed; lc 3 + lp 2 is over.
    accepted(edited(p, b -> b.put(116, (byte) ((2 * 5) * 9 + 4))));
    refused(edited(p, b -> b.put(116, (byte) ((2 * 5 + 2) * 9 + 3))), "above 4 in total");
    accepted(edited(p, b -> b.putInt(120, 4096)));
    refused(edited(p, b -> b.putInt(120, 4095)), "LZMA dictionary out of range");
    accepted(edited(p, b -> b.putInt(120, 1 << 24)));
    refused(edited(p, b -> b.putInt(120, (1 << 24) + 1)), "LZMA dictionary out of range");
    refused(
        edited(p, b -> b.putInt(116 + 16 + 12, (int) f.diff().raw() + 1)),
        "do not add up to the new size");
    refused(edited(p, b -> b.putInt(116 + 12, 1 << 30)), "control stream too large");
    refused(Arrays.copyOf(p, p.length + 1), "length does not match");
    refused(Arrays.copyOf(p, p.length - 1), "length does not match");
    refused(Arrays.copyOf(p, InPlaceFormat.HEADER_BYTES - 1), "shorter than its header");
    byte[] magic = p.clone();
    magic[0] = 'X';
    refused(magic, "magic");
    byte[] crc = p.clone();
    crc[50] ^= 1;
    refused(crc, "CRC");
  }

  @Test
  void theScratchIsOneSegmentAndTheThreeDecoders() throws Exception {
    byte[] p = validPatch();
    ByteBuffer b = ByteBuffer.wrap(p);
    long decoders = 0;
    for (int s = 0; s < 3; s++) {
      int props = b.get(116 + 16 * s) & 0xff;
      int lcLp = props % 9 + props / 9 % 5;
      decoders += b.getInt(120 + 16 * s) + 2L * (1984 + (0x300L << lcLp)) + 256;
    }
    assertThat(InPlaceApplier.info(p).scratchBytes()).isEqualTo(SEG + decoders);
    assertThat(InPlaceApplier.info(p).scratchBytes()).isLessThanOrEqualTo(SEG + 64 * 1024);
  }

  /** One segment's hand-made entries {seek, diff, extra}, with bytes for them. */
  private static byte[] craft(
      byte[] oldImage, byte[] newImage, long memory, long[][][] segments, byte[] trailing) {
    ByteArrayOutputStream ctrl = new ByteArrayOutputStream();
    ByteArrayOutputStream diff = new ByteArrayOutputStream();
    ByteArrayOutputStream extra = new ByteArrayOutputStream();
    for (long[][] entries : segments) {
      Varint.writeUnsigned(ctrl, entries.length);
      for (long[] e : entries) {
        Varint.writeSigned(ctrl, e[0]);
        Varint.writeUnsigned(ctrl, e[1]);
        Varint.writeUnsigned(ctrl, e[2]);
        diff.writeBytes(new byte[(int) e[1]]);
        extra.writeBytes(new byte[(int) e[2]]);
      }
    }
    byte[][] raw = {ctrl.toByteArray(), diff.toByteArray(), extra.toByteArray()};
    if (trailing != null) {
      // A zero byte: a reader that took 0 for the end would not see it.
      raw[(int) trailing[0]] = concat(raw[(int) trailing[0]], new byte[] {0});
    }
    InPlaceFormat.Stream[] streams = new InPlaceFormat.Stream[3];
    byte[][] packed = new byte[3][];
    for (int i = 0; i < 3; i++) {
      packed[i] = InPlaceDiffer.lzma(raw[i], 4096, PROPS);
      streams[i] = new InPlaceFormat.Stream((2 * 5) * 9 + 3, 4096, packed[i].length, raw[i].length);
    }
    long shift = new InPlaceLayout(memory, SEG).shiftFor(oldImage.length);
    InPlaceFormat header =
        new InPlaceFormat(
            SEG,
            memory,
            shift,
            oldImage.length,
            newImage.length,
            InPlaceDiffer.sha256(oldImage),
            InPlaceDiffer.sha256(newImage),
            segments.length,
            streams[0],
            streams[1],
            streams[2]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header.write());
    for (byte[] p : packed) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** The new image the entries make when every diff byte is zero: old bytes and zero extras. */
  private byte[] made(long shift, long[][][] segments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < segments.length; i++) {
      long pos = Math.max(0, (long) (i + 1) * SEG - shift);
      for (long[] e : segments[i]) {
        pos += e[0];
        out.write(old, (int) pos, (int) e[1]);
        out.writeBytes(new byte[(int) e[2]]);
        pos += e[1];
      }
    }
    return out.toByteArray();
  }

  private void appliesTo(long memory, long[][][] segments) throws IOException {
    long shift = new InPlaceLayout(memory, SEG).shiftFor(old.length);
    byte[] neu = made(shift, segments);
    byte[] patch = craft(old, neu, memory, segments, null);
    assertThat(InPlaceApplier.check(patch, old)).isEqualTo(neu.length);
    TestFlash ram = new TestFlash(memory, 1024, old);
    InPlaceApplier.apply(patch, ram, new TestFlash.Journal());
    assertThat(Arrays.copyOf(ram.bytes, neu.length)).isEqualTo(neu);
  }

  private void refusedBeforeAnyWrite(
      long memory, long[][][] segments, byte[] trailing, String why) {
    byte[] patch = craft(old, new byte[SEG * segments.length], memory, segments, trailing);
    TestFlash ram = new TestFlash(memory, 1024, old);
    TestFlash.Journal journal = new TestFlash.Journal();
    assertThatThrownBy(() -> InPlaceApplier.apply(patch, ram, journal))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining(why);
    assertThat(ram.writes).isZero();
    assertThat(journal.steps).isEmpty();
  }

  @Test
  void entriesMayReadExactlyTheOldBytesStillInPlaceAndNoOthers() throws IOException {
    // Slot 12 KiB, old 8 KiB: shift 4 KiB. Segment 0 may read old from 0, segment 1 from 4096.
    long memory = 12288;
    appliesTo(memory, new long[][][] {{{0, 4096, 0}}, {{0, 4096, 0}}});
    // The last old bytes, up to the end exactly.
    appliesTo(memory, new long[][][] {{{8192 - 100, 100, 3996}}, {{8192 - 4096 - 4096, 4096, 0}}});
    refusedBeforeAnyWrite(
        memory,
        new long[][][] {{{0, 4096, 0}}, {{-1, 4096, 0}}},
        null,
        "outside the part of the image still in place");
    refusedBeforeAnyWrite(
        memory,
        new long[][][] {{{8192 - 99, 100, 3996}}, {{0, 4096, 0}}},
        null,
        "outside the part of the image still in place");
  }

  @Test
  void malformedEntriesAndLeftoverBytesAreRefusedBeforeAnyWrite() {
    long memory = 12288;
    refusedBeforeAnyWrite(
        memory, new long[][][] {{{0, 0, 0}, {0, 4096, 0}}}, null, "an entry without output");
    // Two segments whose streams add up to the new size, the first taking too much or too little.
    refusedBeforeAnyWrite(
        memory, new long[][][] {{{0, 4097, 0}}, {{0, 4095, 0}}}, null, "segment 0 overflows");
    refusedBeforeAnyWrite(
        memory, new long[][][] {{{0, 4000, 97}}, {{0, 4095, 0}}}, null, "segment 0 overflows");
    refusedBeforeAnyWrite(
        memory,
        new long[][][] {{{0, 4000, 95}}, {{0, 4097, 0}}},
        null,
        "segment 0 does not fill its bytes");
    // A control stream with a byte after the last segment's entries; in the diff or extra stream
    // such a byte no longer adds up to the new size.
    refusedBeforeAnyWrite(
        memory, new long[][][] {{{0, 4096, 0}}}, new byte[] {0}, "bytes after the last segment");
    refusedBeforeAnyWrite(
        memory, new long[][][] {{{0, 4096, 0}}}, new byte[] {1}, "do not add up to the new size");
    refusedBeforeAnyWrite(
        memory, new long[][][] {{{0, 4096, 0}}}, new byte[] {2}, "do not add up to the new size");
    // More entries than the segment has bytes.
    long[][] many = new long[4097][];
    Arrays.fill(many, new long[] {0, 0, 1});
    refusedBeforeAnyWrite(
        memory, new long[][][] {many, {{0, 4095, 0}}}, null, "more entries than bytes");
  }

  @Test
  void aPatchThatDoesNotMakeItsImageOrASlotThatLosesBitsIsCaught() throws IOException {
    long memory = 12288;
    // Well formed, but the image it makes is not the one its header names.
    refusedBeforeAnyWrite(
        memory, new long[][][] {{{0, 4096, 0}}}, null, "the patch does not produce its new image");
    // As many entries as the segment has bytes is allowed.
    long[][] each = new long[SEG][];
    Arrays.fill(each, new long[] {0, 0, 1});
    appliesTo(memory, new long[][][] {each});

    // A flash that flips a bit of what is written at its start (only the first segment goes
    // there): the dry run passed, and the slot is checked at the end.
    byte[] neu = old.clone();
    neu[100] ^= 1;
    byte[] patch = InPlaceDiffer.diff(old, neu, new InPlaceLayout(16384, SEG)).patch();
    TestFlash faulty =
        new TestFlash(16384, 1024, old) {
          @Override
          public void write(long address, byte[] from, int off, int len) {
            super.write(address, from, off, len);
            if (address == 0) {
              bytes[0] ^= 1;
            }
          }
        };
    assertThatThrownBy(() -> InPlaceApplier.apply(patch, faulty, new TestFlash.Journal()))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("does not hold the new image");

    // The server's check of a patch against an old image, and the device's dry run.
    assertThat(InPlaceApplier.check(patch, old)).isEqualTo(neu.length);
    byte[] other = old.clone();
    other[0] ^= 1;
    assertThatThrownBy(() -> InPlaceApplier.check(patch, other))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("old image");
    assertThatThrownBy(() -> InPlaceApplier.check(patch, Arrays.copyOf(old, 100)))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("reads past the old image");
    TestFlash slot = new TestFlash(16384, 1024, old);
    InPlaceApplier.Info info = InPlaceApplier.dryRun(patch, slot);
    assertThat(info.newSha256()).isEqualTo(HexFormat.of().formatHex(InPlaceDiffer.sha256(neu)));
    assertThat(info.newSize()).isEqualTo(neu.length);
    assertThat(slot.writes).isZero();
    assertThatThrownBy(() -> InPlaceApplier.dryRun(patch, new TestFlash(20480, 1024, old)))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("slot of 16384");
    assertThatThrownBy(() -> InPlaceApplier.dryRun(patch, new TestFlash(16384, 1024, other)))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("old image");
  }

  @Test
  void layoutsAtTheirLimits() {
    assertThat(new InPlaceLayout(8192, 512).segmentSize()).isEqualTo(512);
    assertThat(new InPlaceLayout(1 << 20, 1 << 20).segmentSize()).isEqualTo(1 << 20);
    assertThatThrownBy(() -> new InPlaceLayout(8192, 256)).hasMessageContaining("power of two");
    assertThatThrownBy(() -> new InPlaceLayout(1 << 22, 1 << 21))
        .hasMessageContaining("power of two");
    assertThat(new InPlaceLayout(1L << 32, 4096).memorySize()).isEqualTo(1L << 32);
    assertThatThrownBy(() -> new InPlaceLayout((1L << 32) + 4096, 4096))
        .hasMessageContaining("up to 4 GiB");
    assertThatThrownBy(() -> new InPlaceLayout(0, 4096)).hasMessageContaining("positive");
    assertThat(new InPlaceLayout(8192, 4096, InPlaceLayout.MIN_DECODER_BUDGET).decoderBudget())
        .isEqualTo(InPlaceLayout.MIN_DECODER_BUDGET);
    assertThatThrownBy(() -> new InPlaceLayout(8192, 4096, InPlaceLayout.MIN_DECODER_BUDGET - 1))
        .hasMessageContaining("budget");
    // The smallest budget still has an encoding.
    byte[] neu = random(20_000, 9);
    byte[] patch =
        InPlaceDiffer.diff(
                new byte[0], neu, new InPlaceLayout(20480, 4096, InPlaceLayout.MIN_DECODER_BUDGET))
            .patch();
    assertThat(patch.length).isGreaterThan(20_000);
  }

  @Test
  void anImageAsLargeAsTheSlotRoundTrips() throws IOException {
    byte[] neu = old.clone();
    neu[8000] ^= 1;
    // 8 KiB in an 8 KiB slot: no shift, and the new image fills the slot.
    byte[] patch = InPlaceDiffer.diff(old, neu, new InPlaceLayout(8192, SEG)).patch();
    TestFlash ram = new TestFlash(8192, 1024, old);
    InPlaceApplier.apply(patch, ram, new TestFlash.Journal());
    assertThat(ram.bytes).isEqualTo(neu);
  }

  @Test
  void aSecondUpdateWithTheSameJournalStartsAfresh() throws IOException {
    byte[] one = old.clone();
    one[5] ^= 1;
    byte[] two = one.clone();
    two[6000] ^= 1;
    InPlaceLayout layout = new InPlaceLayout(16384, SEG);
    TestFlash ram = new TestFlash(16384, 1024, old);
    TestFlash.Journal journal = new TestFlash.Journal();
    InPlaceApplier.apply(InPlaceDiffer.diff(old, one, layout).patch(), ram, journal);
    InPlaceApplier.apply(InPlaceDiffer.diff(one, two, layout).patch(), ram, journal);
    assertThat(Arrays.copyOf(ram.bytes, two.length)).isEqualTo(two);
    assertThat(journal.steps).hasSize(2);
  }

  @Test
  void aSlotWithoutAnEraseBlockIsRefused() {
    byte[] p = validPatch();
    assertThatThrownBy(
            () -> InPlaceApplier.apply(p, new TestFlash(16384, 0, old), new TestFlash.Journal()))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("erase block");
  }
}
