package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.Bsdiff40Format;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Corrupt, truncated and hostile patches are rejected with {@link DeltaFormatException}; a seeded
 * fuzz run checks that no mutation leaks another exception, hangs or exhausts memory.
 */
class HostilePatchTest {
  static byte[] old;
  static byte[] neu;
  static byte[] nativePatch;
  static byte[] bsdiffPatch;

  @BeforeAll
  static void setUp() throws IOException {
    Random r = new Random(1);
    old = TestData.codeLike(r, 20_000);
    neu = TestData.evolve(r, old, 25);
    nativePatch = RoundTripTest.diff(old, neu, PatchFormat.NATIVE);
    bsdiffPatch = RoundTripTest.diff(old, neu, PatchFormat.BSDIFF40);
  }

  static void applyTo(byte[] image, byte[] patch) throws IOException {
    DeltaApplier.apply(
        SeekableSource.of(image), SeekableSource.of(patch), OutputStream.nullOutputStream());
  }

  static byte[] resealHeader(byte[] patch) {
    byte[] p = patch.clone();
    CRC32 crc = new CRC32();
    crc.update(p, 0, NativeFormat.HEADER_SIZE - 4);
    ByteBuffer.wrap(p).putInt(NativeFormat.HEADER_SIZE - 4, (int) crc.getValue());
    return p;
  }

  @Test
  void badMagic() {
    byte[] p = nativePatch.clone();
    p[0] = 'X';
    assertThatThrownBy(() -> applyTo(old, p))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("magic");
    assertThatThrownBy(() -> applyTo(old, new byte[3]))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("too short");
  }

  @Test
  void wrongOldImage() {
    byte[] other = old.clone();
    other[100] ^= 1;
    assertThatThrownBy(() -> applyTo(other, nativePatch))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("wrong old image");
    assertThatThrownBy(() -> applyTo(Arrays.copyOf(old, 10), nativePatch))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("wrong old image");
  }

  @Test
  void corruptHeaderIsCaughtByCrc() {
    byte[] p = nativePatch.clone();
    p[20] ^= 0x40;
    assertThatThrownBy(() -> applyTo(old, p))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("CRC");
  }

  @Test
  void hugeDeclaredSizes() {
    byte[] p = nativePatch.clone();
    ByteBuffer.wrap(p).putLong(24, Long.MAX_VALUE / 2);
    assertThatThrownBy(() -> applyTo(old, resealHeader(p)))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("new size");
    byte[] q = nativePatch.clone();
    ByteBuffer.wrap(q).putInt(12, Integer.MAX_VALUE);
    assertThatThrownBy(() -> applyTo(old, resealHeader(q)))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("chunk size");
    byte[] s = nativePatch.clone();
    // First chunk declares a 2 GiB control stream.
    ByteBuffer.wrap(s).putInt(NativeFormat.HEADER_SIZE + 5, Integer.MAX_VALUE);
    assertThatThrownBy(() -> applyTo(old, s))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("oversized");
  }

  @Test
  void bsdiffNegativeAndHugeLengths() {
    byte[] p = bsdiffPatch.clone();
    Bsdiff40Format.putOff(-5, p, 8);
    assertThatThrownBy(() -> applyTo(old, p))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("negative");
    byte[] q = bsdiffPatch.clone();
    Bsdiff40Format.putOff(1L << 40, q, 16);
    assertThatThrownBy(() -> applyTo(old, q))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("exceed");
    byte[] s = bsdiffPatch.clone();
    Bsdiff40Format.putOff(Long.MAX_VALUE, s, 24);
    assertThatThrownBy(() -> applyTo(old, s))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("new size");
  }

  static byte[] bsdiffWithControl(long[] ctrl, int newSize) throws IOException {
    ByteArrayOutputStream c = new ByteArrayOutputStream();
    byte[] num = new byte[8];
    for (long v : ctrl) {
      Bsdiff40Format.putOff(v, num, 0);
      c.write(num);
    }
    byte[] cb = bz(c.toByteArray());
    byte[] db = bz(new byte[newSize]);
    byte[] eb = bz(new byte[newSize]);
    byte[] h = new byte[32];
    System.arraycopy(Bsdiff40Format.MAGIC, 0, h, 0, 8);
    Bsdiff40Format.putOff(cb.length, h, 8);
    Bsdiff40Format.putOff(db.length, h, 16);
    Bsdiff40Format.putOff(newSize, h, 24);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(h);
    out.write(cb);
    out.write(db);
    out.write(eb);
    return out.toByteArray();
  }

  static byte[] bz(byte[] raw) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try (OutputStream o = new BZip2CompressorOutputStream(bo)) {
      o.write(raw);
    }
    return bo.toByteArray();
  }

  @Test
  void controlEntriesOutOfRange() throws IOException {
    byte[] small = new byte[100];
    // Reads old bytes past the end.
    byte[] p1 = bsdiffWithControl(new long[] {200, 0, 0}, 200);
    assertThatThrownBy(() -> applyTo(small, p1))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("outside");
    // Seeks before the start, then reads.
    byte[] p2 = bsdiffWithControl(new long[] {10, 0, -50, 10, 0, 0}, 20);
    assertThatThrownBy(() -> applyTo(small, p2))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("outside");
    // Runs past the declared new size.
    byte[] p3 = bsdiffWithControl(new long[] {10, 50, 0}, 20);
    assertThatThrownBy(() -> applyTo(small, p3))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("past the new size");
    // Negative length.
    byte[] p4 = bsdiffWithControl(new long[] {-1, 5, 0}, 20);
    assertThatThrownBy(() -> applyTo(small, p4))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("negative");
    // Endless empty entries.
    long[] empty = new long[3 * 70_000];
    byte[] p5 = bsdiffWithControl(empty, 20);
    assertThatThrownBy(() -> applyTo(small, p5))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("empty control");
  }

  @Test
  void bsdiffNeedsRandomAccess() {
    assertThatThrownBy(
            () ->
                DeltaApplier.apply(
                    SeekableSource.of(old),
                    new ByteArrayInputStream(bsdiffPatch),
                    OutputStream.nullOutputStream()))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("random access");
  }

  @Test
  void truncatedPatchesAtEveryLength() {
    for (byte[] patch : new byte[][] {nativePatch, bsdiffPatch}) {
      for (int len = 0; len < patch.length; len += Math.max(1, patch.length / 300)) {
        byte[] t = Arrays.copyOf(patch, len);
        assertThatThrownBy(() -> applyTo(old, t)).isInstanceOf(DeltaFormatException.class);
      }
    }
    byte[] longer = Arrays.copyOf(nativePatch, nativePatch.length + 1);
    assertThatThrownBy(() -> applyTo(old, longer))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("trailing");
  }

  /**
   * 3000 seeded mutations (bit flips, byte overwrites, truncations, splices) of both formats.
   * Native patches must apply to the right image or be rejected (they carry hashes); BSDIFF40 has
   * no integrity check, so it may also produce a wrong image, but must not fail any other way.
   */
  @Test
  void fuzzMutatedPatches() {
    fuzz(old, neu, nativePatch, bsdiffPatch, 20260101, 3000);
  }

  /** The fuzz on a patch with LZMA streams; and LZMA stream prefixes that lie are refused. */
  @Test
  void hostileLzmaStreams() throws IOException {
    Random r = new Random(3);
    byte[] a = TestData.codeLike(r, 30_000);
    byte[] b = TestData.evolve(r, a, 25);
    byte[] patch =
        DeltaDiffer.diff(
                a,
                b,
                RoundTripTest.ALWAYS.withChunkSize(8192).withCodec(DiffOptions.Codec.SMALLEST))
            .patch();
    assertThat(patch[8]).isEqualTo((byte) NativeFormat.CODEC_LZMA);
    ByteBuffer bb = ByteBuffer.wrap(patch);
    int chunk = NativeFormat.HEADER_SIZE;
    int ctrlLen = bb.getInt(chunk + 5);
    int ctrl = chunk + NativeFormat.CHUNK_HEADER_SIZE;
    // Properties out of range; a decoded length of zero, or above the chunk's cap.
    byte[] badProps = patch.clone();
    badProps[ctrl] = (byte) 225;
    assertThatThrownBy(() -> applyTo(a, badProps))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("bad properties");
    byte[] zero = patch.clone();
    zero[ctrl + 1] = 0;
    assertThatThrownBy(() -> applyTo(a, zero)).isInstanceOf(DeltaFormatException.class);
    byte[] huge = patch.clone();
    huge[ctrl + 1] = (byte) 0xFF;
    huge[ctrl + 2] = (byte) 0xFF;
    huge[ctrl + 3] = (byte) 0x7F;
    assertThatThrownBy(() -> applyTo(a, huge)).isInstanceOf(DeltaFormatException.class);
    // A control stream cut short, and one with a byte too many (lengths resealed in the chunk).
    byte[] shortCtrl = patch.clone();
    ByteBuffer.wrap(shortCtrl).putInt(chunk + 5, ctrlLen - 1);
    assertThatThrownBy(() -> applyTo(a, shortCtrl)).isInstanceOf(DeltaFormatException.class);
    byte[] longer = new byte[patch.length + 1];
    System.arraycopy(patch, 0, longer, 0, ctrl + ctrlLen);
    System.arraycopy(
        patch, ctrl + ctrlLen, longer, ctrl + ctrlLen + 1, patch.length - ctrl - ctrlLen);
    ByteBuffer.wrap(longer).putInt(chunk + 5, ctrlLen + 1);
    assertThatThrownBy(() -> applyTo(a, longer))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("trailing");
    fuzz(a, b, patch, null, 20261207, 1500);
  }

  /**
   * The same fuzz on native patches made with each branch filter, over images dense with every
   * filter's patterns, so that mutated patches drive each filter's inverse (also with another
   * filter's id sealed into the header) on the applier's random-access and streaming paths.
   */
  @ParameterizedTest
  @EnumSource(BranchFilter.class)
  void fuzzMutatedPatchesOfEveryFilter(BranchFilter f) throws IOException {
    Random r = new Random(f.id());
    byte[] a = BranchFilterTest.branchy(r, 20_000);
    byte[] b = TestData.evolve(r, a, 25);
    byte[] patch =
        DeltaDiffer.diff(
                a, b, RoundTripTest.ALWAYS.withFilter(DiffOptions.Filter.valueOf(f.name())))
            .patch();
    assertThat(patch[9]).isEqualTo((byte) f.id());
    for (BranchFilter other : BranchFilter.values()) {
      byte[] swapped = patch.clone();
      swapped[9] = (byte) other.id();
      swapped = resealHeader(swapped);
      if (other == f) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeltaApplier.apply(SeekableSource.of(a), SeekableSource.of(swapped), out);
        assertThat(out.toByteArray()).isEqualTo(b);
      } else {
        byte[] s = swapped;
        assertThatThrownBy(() -> applyTo(a, s)).isInstanceOf(DeltaFormatException.class);
      }
    }
    fuzz(a, b, patch, null, 20260101L + f.id(), 1000);
  }

  /** The same fuzz on a patch with an ABS32 table, whose table the mutations reach too. */
  @Test
  void fuzzMutatedPatchesWithAnAbs32Table() throws IOException {
    TestData.Pair p = TestData.pointerPair(new Random(31), 16 * 1024, 400, 40);
    DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS);
    assertThat(r.abs32()).isTrue();
    fuzz(p.oldImage(), p.newImage(), r.patch(), null, 20261207L, 1000);
    // Every cut of the header and the table is refused.
    for (int n = 0; n < NativeFormat.HEADER_SIZE + 40; n++) {
      byte[] cut = Arrays.copyOf(r.patch(), n);
      assertThatThrownBy(() -> applyTo(p.oldImage(), cut)).isInstanceOf(DeltaFormatException.class);
    }
  }

  /** The same fuzz on a patch with filter regions, whose table the mutations reach too. */
  @Test
  void fuzzMutatedPatchesWithFilterRegions() throws IOException {
    TestData.Pair p = RegionsTest.codeAndData(new Random(32));
    DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS);
    assertThat(r.regions()).isTrue();
    fuzz(p.oldImage(), p.newImage(), r.patch(), null, 20261208L, 1000);
    for (int n = 0; n < NativeFormat.HEADER_SIZE + 12; n++) {
      byte[] cut = Arrays.copyOf(r.patch(), n);
      assertThatThrownBy(() -> applyTo(p.oldImage(), cut)).isInstanceOf(DeltaFormatException.class);
    }
  }

  /**
   * Mutates {@code nativePatch} (of {@code base} to {@code target}) and, on every other round, the
   * BSDIFF40 patch {@code bsdiff} of the same pair when there is one.
   */
  private static void fuzz(
      byte[] base, byte[] target, byte[] nativePatch, byte[] bsdiff, long seed, int rounds) {
    Random r = new Random(seed);
    int accepted = 0;
    int rejected = 0;
    long worst = 0;
    for (int i = 0; i < rounds; i++) {
      boolean nat = bsdiff == null || (i & 1) == 0;
      byte[] p = (nat ? nativePatch : bsdiff).clone();
      int kind = r.nextInt(5);
      switch (kind) {
        case 0 -> p[r.nextInt(p.length)] ^= (byte) (1 << r.nextInt(8));
        case 1 -> {
          for (int k = 0; k < 1 + r.nextInt(8); k++) {
            p[r.nextInt(p.length)] = (byte) r.nextInt();
          }
        }
        case 2 -> p = Arrays.copyOf(p, r.nextInt(p.length));
        case 3 -> {
          int at = r.nextInt(p.length);
          byte[] junk = TestData.random(r, 1 + r.nextInt(64));
          System.arraycopy(junk, 0, p, at, Math.min(junk.length, p.length - at));
        }
        default -> {
          // Mutate in the header and re-seal its CRC so the deeper checks are exercised.
          int limit = nat ? NativeFormat.HEADER_SIZE - 4 : Bsdiff40Format.HEADER_SIZE;
          p[8 + r.nextInt(limit - 8)] ^= (byte) (1 << r.nextInt(8));
          if (nat) {
            p = resealHeader(p);
          }
        }
      }
      long t0 = System.nanoTime();
      try {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeltaApplier.apply(SeekableSource.of(base), SeekableSource.of(p), out);
        if (nat) {
          assertThat(out.toByteArray()).as("mutation %d accepted", i).isEqualTo(target);
        }
        accepted++;
      } catch (DeltaFormatException e) {
        assertThat(e.getMessage()).isNotBlank();
        rejected++;
      } catch (Throwable t) {
        throw new AssertionError("mutation " + i + " (kind " + kind + ") leaked " + t, t);
      }
      worst = Math.max(worst, System.nanoTime() - t0);
    }
    assertThat(rejected).isGreaterThan(rounds * 2 / 3);
    assertThat(accepted + rejected).isEqualTo(rounds);
    assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofSeconds(5));
  }
}
