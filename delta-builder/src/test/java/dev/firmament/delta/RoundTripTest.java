package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class RoundTripTest {

  /** Diffs without the delta/full decision (tests want the patch in every case). */
  static final DiffOptions ALWAYS =
      DiffOptions.DEFAULT
          .withLevel(19)
          .withPolicy(
              DeltaPolicy.DEFAULT.withMaxFractionOfFull(Double.MAX_VALUE).withScreenFraction(99));

  static byte[] diff(byte[] old, byte[] neu, PatchFormat format) throws IOException {
    DiffResult r = DeltaDiffer.diff(old, neu, ALWAYS.withFormat(format));
    assertThat(r.patch()).as(r.reason()).isNotNull();
    return r.patch();
  }

  static byte[] apply(byte[] old, byte[] patch) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ApplyResult r = DeltaApplier.apply(SeekableSource.of(old), SeekableSource.of(patch), out);
    byte[] neu = out.toByteArray();
    assertThat(r.newSize()).isEqualTo(neu.length);
    assertThat(r.newSha256()).isEqualTo(sha256(neu));
    return neu;
  }

  static byte[] sha256(byte[] b) {
    return Sha256.digest(b);
  }

  static void roundTrip(byte[] old, byte[] neu, PatchFormat format) throws IOException {
    byte[] patch = diff(old, neu, format);
    assertThat(apply(old, patch)).isEqualTo(neu);
    if (format == PatchFormat.NATIVE) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      DeltaApplier.apply(SeekableSource.of(old), new ByteArrayInputStream(patch), out);
      assertThat(out.toByteArray()).isEqualTo(neu);
    }
  }

  static Stream<Arguments> samplePairs() throws IOException {
    List<Arguments> args = new ArrayList<>();
    for (TestData.Pair p : TestData.samplePairs()) {
      for (PatchFormat f : PatchFormat.values()) {
        args.add(Arguments.of(p, f));
      }
    }
    return args.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("samplePairs")
  void repositorySamples(TestData.Pair pair, PatchFormat format) throws IOException {
    byte[] patch = diff(pair.oldImage(), pair.newImage(), format);
    assertThat(apply(pair.oldImage(), patch)).isEqualTo(pair.newImage());
    assertThat(patch.length).isLessThan(pair.newImage().length / 5);
  }

  @ParameterizedTest(name = "{0} filter")
  @EnumSource(
      value = DiffOptions.Filter.class,
      names = {"NONE", "THUMB_BL", "ARM_BL", "ARM64", "X86", "RISCV", "XTENSA"})
  void everyFilterRoundTrips(DiffOptions.Filter filter) throws IOException {
    for (TestData.Pair p : TestData.samplePairs()) {
      DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage(), ALWAYS.withFilter(filter));
      assertThat(apply(p.oldImage(), r.patch())).isEqualTo(p.newImage());
      assertThat(r.filter()).startsWith(filter.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  @Test
  void lzmaStreamsRoundTripAndAreKeptOnlyWhenSmaller() throws IOException {
    int lzmaChosen = 0;
    for (TestData.Pair p : TestData.samplePairs()) {
      for (int chunk : new int[] {4096, 1 << 20}) {
        // LZMA alone: ABS32 tables and their companions are tested in Abs32Test.
        DiffOptions zstd = ALWAYS.withChunkSize(chunk).withAbs32(false);
        byte[] plain = DeltaDiffer.diff(p.oldImage(), p.newImage(), zstd).patch();
        DiffResult r =
            DeltaDiffer.diff(
                p.oldImage(), p.newImage(), zstd.withCodec(DiffOptions.Codec.SMALLEST));
        assertThat(plain[8]).isEqualTo((byte) NativeFormat.CODEC_ZSTD);
        assertThat(r.patch().length).as(p.name()).isLessThanOrEqualTo(plain.length);
        assertThat(apply(p.oldImage(), r.patch())).isEqualTo(p.newImage());
        boolean lzma = r.patch()[8] == NativeFormat.CODEC_LZMA;
        assertThat(r.filter().endsWith("+lzma")).isEqualTo(lzma);
        assertThat(PatchInfo.read(new ByteArrayInputStream(r.patch())).filter().endsWith("+lzma"))
            .isEqualTo(lzma);
        assertThat(r.branchFilter()).doesNotContain("+").isUpperCase();
        if (lzma) {
          lzmaChosen++;
          assertThat(r.patch().length).isLessThan(plain.length);
          // The companion for appliers without LZMA: the same patch coded with zstd, which is
          // the plain differ's patch byte for byte.
          assertThat(r.zstdPatch()).as(p.name()).isEqualTo(plain);
          assertThat(r.zstdPatch()[9]).isEqualTo(r.patch()[9]);
          assertThat(apply(p.oldImage(), r.zstdPatch())).isEqualTo(p.newImage());
        } else {
          assertThat(r.zstdPatch()).isNull();
        }
        assertThat(DeltaDiffer.diff(p.oldImage(), p.newImage(), zstd).zstdPatch()).isNull();
      }
    }
    assertThat(lzmaChosen).isPositive();
  }

  @Test
  void sharedPairsWhenPresent() throws IOException {
    Assumptions.assumeTrue(Files.isDirectory(TestData.SHARED), "no " + TestData.SHARED);
    for (TestData.Pair p : TestData.pairsIn(TestData.SHARED)) {
      if (p.newImage().length > (2 << 20)) {
        // Already-compressed image: the policy must settle it quickly; no patch to check.
        DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage());
        assertThat(r.useDelta()).as(p.name()).isFalse();
        assertThat(r.elapsed().toMillis()).as(p.name()).isLessThan(10_000);
        continue;
      }
      for (PatchFormat f : PatchFormat.values()) {
        byte[] patch =
            DeltaDiffer.diff(p.oldImage(), p.newImage(), ALWAYS.withFormat(f).withLevel(9)).patch();
        assertThat(apply(p.oldImage(), patch)).as(p.name() + " " + f).isEqualTo(p.newImage());
      }
    }
  }

  static Stream<Arguments> generated() {
    Random r = new Random(42);
    byte[] base = TestData.codeLike(r, 50_000);
    byte[] oneByte = base.clone();
    oneByte[12_345] ^= 0x5a;
    byte[] moved = new byte[base.length];
    int half = base.length / 2;
    System.arraycopy(base, half, moved, 0, base.length - half);
    System.arraycopy(base, 0, moved, base.length - half, half);
    byte[] zeros = new byte[70_000];
    byte[] zerosPlus = Arrays.copyOf(zeros, 70_100);
    zerosPlus[70_050] = 1;
    List<Arguments> cases = new ArrayList<>();
    Object[][] table = {
      {"both empty", new byte[0], new byte[0]},
      {"empty old", new byte[0], base},
      {"empty new", base, new byte[0]},
      {"identical", base, base},
      {"one byte old and new", new byte[] {1}, new byte[] {2}},
      {"random", TestData.random(r, 10_000), TestData.random(r, 12_000)},
      {"one byte changed", base, oneByte},
      {"blocks moved", base, moved},
      {"evolved", base, TestData.evolve(r, base, 40)},
      {"runs of zeros", zeros, zerosPlus},
      {"tiny to large", new byte[] {9, 9, 9}, base},
    };
    for (Object[] row : table) {
      for (PatchFormat f : PatchFormat.values()) {
        cases.add(Arguments.of(row[0], row[1], row[2], f));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {3}")
  @MethodSource("generated")
  void generatedCases(String name, byte[] old, byte[] neu, PatchFormat format) throws IOException {
    roundTrip(old, neu, format);
  }

  @Test
  void filterPatternsAtImageEdgesAndChunkBoundaries() throws IOException {
    // Images dense with branch patterns, crossing many small chunks, so that filter windows
    // straddle chunk and buffer boundaries.
    Random r = new Random(7);
    byte[] old = new byte[300_001];
    for (int i = 0; i + 4 <= old.length; i += 2) {
      if (r.nextInt(3) == 0) {
        old[i] = (byte) r.nextInt();
        old[i + 1] = (byte) (0xF0 | r.nextInt(8));
        old[i + 2] = (byte) r.nextInt();
        old[i + 3] = (byte) (0xF8 | r.nextInt(8));
        i += 2;
      } else if (r.nextInt(4) == 0 && i % 4 == 0) {
        old[i] = (byte) r.nextInt();
        old[i + 1] = (byte) r.nextInt();
        old[i + 2] = (byte) r.nextInt();
        old[i + 3] = (byte) 0xEB;
        i += 2;
      } else {
        old[i] = (byte) r.nextInt(4);
      }
    }
    old[old.length - 3] = (byte) 0xF3;
    old[old.length - 1] = (byte) 0xF9;
    byte[] neu = TestData.evolve(r, old, 30);
    for (DiffOptions.Filter f : DiffOptions.Filter.values()) {
      DiffResult res =
          DeltaDiffer.diff(old, neu, ALWAYS.withFilter(f).withChunkSize(4096).withLevel(3));
      assertThat(apply(old, res.patch())).as(f.name()).isEqualTo(neu);
    }
  }
}
