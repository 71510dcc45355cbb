package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Patches with an ABS32 table (docs/delta-format.md, section 3.1): the differ keeps the table only
 * when the patch is smaller with it, gives the patch a companion without it, and the applier
 * rebuilds the image through the projection on every path.
 */
class Abs32Test {
  private static byte[] apply(byte[] old, byte[] patch) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeltaApplier.apply(SeekableSource.of(old), SeekableSource.of(patch), out);
    return out.toByteArray();
  }

  @Test
  void movedPointersMakeTheDifferKeepATableAndItsCompanionIsThePatchWithout() throws IOException {
    TestData.Pair p = TestData.pointerPair(new Random(21), 48 * 1024, 1024, 96);
    DiffOptions options = RoundTripTest.ALWAYS;
    DiffResult with = DeltaDiffer.diff(p.oldImage(), p.newImage(), options);
    DiffResult without = DeltaDiffer.diff(p.oldImage(), p.newImage(), options.withAbs32(false));

    assertThat(with.abs32()).isTrue();
    assertThat(with.filter()).contains("+abs32");
    assertThat(with.branchFilter()).endsWith("+ABS32");
    assertThat(with.companionBranchFilter()).isEqualTo(without.branchFilter());
    assertThat(with.patch()[11] & NativeFormat.ABS32_FLAG).isNotZero();
    assertThat(PatchInfo.read(new ByteArrayInputStream(with.patch())).filter()).contains("+abs32");
    // A thousand moved pointers cost a few bytes each without the table.
    assertThat(with.patch().length).isLessThan(without.patch().length * 3 / 4);
    assertThat(apply(p.oldImage(), with.patch())).isEqualTo(p.newImage());
    // The companion is the patch the differ makes without tables, byte for byte.
    assertThat(with.zstdPatch()).isEqualTo(without.patch());
    assertThat(without.abs32()).isFalse();
    assertThat(without.zstdPatch()).isNull();
    assertThat(without.patch()[11] & NativeFormat.ABS32_FLAG).isZero();

    // With LZMA allowed as well (kept when smaller): the companion stays the zstd patch without
    // the table.
    DiffResult lzma =
        DeltaDiffer.diff(p.oldImage(), p.newImage(), options.withCodec(DiffOptions.Codec.SMALLEST));
    assertThat(lzma.abs32()).isTrue();
    assertThat(lzma.patch().length).isLessThanOrEqualTo(with.patch().length);
    assertThat(apply(p.oldImage(), lzma.patch())).isEqualTo(p.newImage());
    assertThat(lzma.zstdPatch()).isEqualTo(without.patch());
  }

  @Test
  void smallChunksAndEveryFilterRoundTripThroughTheProjection() throws IOException {
    TestData.Pair p = TestData.pointerPair(new Random(22), 40 * 1024, 700, 52);
    for (DiffOptions.Filter f : DiffOptions.Filter.values()) {
      DiffOptions options = RoundTripTest.ALWAYS.withFilter(f).withChunkSize(4096);
      DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage(), options);
      assertThat(apply(p.oldImage(), r.patch())).as(f.name()).isEqualTo(p.newImage());
      if (f == DiffOptions.Filter.NONE) {
        assertThat(r.abs32()).isTrue();
      }
    }
  }

  @Test
  void aPatchWithoutMovedPointersHasNoTable() throws IOException {
    for (TestData.Pair p : TestData.samplePairs()) {
      DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS);
      DiffResult without =
          DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS.withAbs32(false));
      // Kept only when smaller.
      assertThat(r.patch().length).as(p.name()).isLessThanOrEqualTo(without.patch().length);
      assertThat(r.abs32()).as(p.name()).isEqualTo(r.patch().length < without.patch().length);
      assertThat(apply(p.oldImage(), r.patch())).as(p.name()).isEqualTo(p.newImage());
    }
    Random r = new Random(23);
    byte[] old = TestData.codeLike(r, 30_000);
    byte[] neu = TestData.evolve(r, old, 10);
    assertThat(DeltaDiffer.diff(old, neu, RoundTripTest.ALWAYS).abs32()).isFalse();
  }

  @Test
  void theTableFlagOnAPatchWithoutATableIsRefused() throws IOException {
    TestData.Pair p = TestData.pointerPair(new Random(24), 32 * 1024, 400, 40);
    byte[] without =
        DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS.withAbs32(false)).patch();
    byte[] flagged = without.clone();
    flagged[11] |= (byte) NativeFormat.ABS32_FLAG;
    byte[] sealed = HostilePatchTest.resealHeader(flagged);
    assertThatThrownBy(() -> apply(p.oldImage(), sealed))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageStartingWith("ABS32 table");
    byte[] with = DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS).patch();
    byte[] unflagged = with.clone();
    unflagged[11] &= (byte) ~NativeFormat.ABS32_FLAG;
    byte[] resealed = HostilePatchTest.resealHeader(unflagged);
    // The table's bytes then read as a chunk header: refused, never a wrong image.
    assertThatThrownBy(() -> apply(p.oldImage(), resealed))
        .isInstanceOf(DeltaFormatException.class);
  }

  @Test
  void theApplierDeclaresTheStage() {
    assertThat(DeltaApplier.FILTERS).contains(DeltaApplier.ABS32, "NONE", "THUMB_BL", "XTENSA");
  }
}
