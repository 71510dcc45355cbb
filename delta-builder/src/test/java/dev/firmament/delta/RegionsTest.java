package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.internal.RegionTable;
import dev.firmament.delta.internal.SuffixArray;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.manifest.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Filter regions (docs/delta-format.md, section 3.2): wire form, applier, differ's choice. */
class RegionsTest {

  private static final int U = RegionTable.UNIT;

  @Test
  void viewsAlternateFromFilteredAtEachSwitch() throws IOException {
    RegionTable t = RegionTable.of(new long[] {U, 3L * U}, 5L * U + 7);
    assertThat(t.filteredAt(0)).isTrue();
    assertThat(t.filteredAt(U - 1)).isTrue();
    assertThat(t.filteredAt(U)).isFalse();
    assertThat(t.filteredAt(3L * U - 1)).isFalse();
    assertThat(t.filteredAt(3L * U)).isTrue();
    assertThat(t.filteredAt(5L * U + 6)).isTrue();
    assertThat(t.regionEnd(0, 5L * U + 7)).isEqualTo(U);
    assertThat(t.regionEnd(U, 5L * U + 7)).isEqualTo(3L * U);
    assertThat(t.regionEnd(3L * U + 5, 5L * U + 7)).isEqualTo(5L * U + 7);
    assertThat(t.switches()).isEqualTo(2);
    assertThat(t.memoryBytes()).isEqualTo(16);
    // A switch at 0: the image starts raw.
    RegionTable raw = RegionTable.of(new long[] {0, U}, 2L * U);
    assertThat(raw.filteredAt(0)).isFalse();
    assertThat(raw.filteredAt(U - 1)).isFalse();
    assertThat(raw.filteredAt(U)).isTrue();
  }

  @Test
  void wireFormIsCountUnitDeltasAndCrc() throws IOException {
    RegionTable t = RegionTable.of(new long[] {2L * U, 130L * U}, 200L * U);
    byte[] wire = t.encode();
    // count 2, deltas 2 and 128 (two varint bytes), then a 4-byte CRC.
    assertThat(Arrays.copyOf(wire, 5)).containsExactly(2, 2, 0x80, 0x01, wire[4]);
    assertThat(wire).hasSize(8);
    RegionTable back = RegionTable.read(new ByteArrayInputStream(wire), 200L * U);
    assertThat(back.encode()).isEqualTo(wire);
  }

  @Test
  void hostileTablesAreRefused() throws IOException {
    long size = 10L * U;
    // No switch, too many, a repeated switch, a switch at or past the end, a bad CRC, cut short.
    assertRefused(tableBytes(0), size, "declares 0 switches");
    assertRefused(tableBytes(RegionTable.MAX_SWITCHES + 1), size, "switches (1 to");
    assertRefused(tableBytes(2, 1, 0), size, "does not follow the last");
    assertRefused(tableBytes(1, 10), size, "is not inside the new image");
    assertRefused(tableBytes(2, 5, 5), size, "is not inside the new image");
    assertRefused(tableBytes(1, Long.MAX_VALUE / 2), size, "does not follow the last");
    // Raw everywhere: the patch has no filter to speak of.
    assertRefused(tableBytes(1, 0), size, "nothing filtered");
    // The most switches a table may hold.
    long[] most = new long[RegionTable.MAX_SWITCHES];
    Arrays.fill(most, 1);
    assertThat(
            RegionTable.read(
                    new ByteArrayInputStream(tableBytes(most.length, most)), (most.length + 1L) * U)
                .switches())
        .isEqualTo(RegionTable.MAX_SWITCHES);
    byte[] good = tableBytes(1, 3);
    byte[] badCrc = good.clone();
    badCrc[badCrc.length - 1] ^= 1;
    assertRefused(badCrc, size, "CRC mismatch");
    for (int n = 0; n < good.length; n++) {
      byte[] cut = Arrays.copyOf(good, n);
      assertThatThrownBy(() -> RegionTable.read(new ByteArrayInputStream(cut), size))
          .isInstanceOf(IOException.class);
    }
  }

  /** A table's wire form with {@code count} and the given unit deltas, sealed with its CRC. */
  private static byte[] tableBytes(long count, long... deltas) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarint(out, count);
    for (long d : deltas) {
      writeVarint(out, d);
    }
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(out.toByteArray());
    int c = (int) crc.getValue();
    out.write(c >>> 24);
    out.write(c >>> 16);
    out.write(c >>> 8);
    out.write(c);
    return out.toByteArray();
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void assertRefused(byte[] table, long size, String message) {
    assertThatThrownBy(() -> RegionTable.read(new ByteArrayInputStream(table), size))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining(message);
  }

  /**
   * Every filter, both transforms, small chunks, images whose size is not a multiple of the unit
   * and larger than the applier's output buffer (so its filter is undone in several passes, at
   * positions past the buffer's first): a patch with a random table, written from the filtered
   * scan's alignment, applies to the new image.
   */
  @Test
  void everyFilterRoundTripsWithRandomRegions() throws IOException {
    Random r = new Random(71);
    for (BranchFilter f : BranchFilter.values()) {
      if (f == BranchFilter.NONE) {
        continue;
      }
      byte[] old = codeFor(f, r, 40 * U + 1234);
      byte[] neu = TestData.evolve(r, old, 30);
      byte[] fOld = old.clone();
      byte[] fNew = neu.clone();
      f.encode(fOld, 0, fOld.length, 0);
      f.encode(fNew, 0, fNew.length, 0);
      DiffScript script = scan(fOld, fNew);
      for (int round = 0; round < 6; round++) {
        long[] switches = randomSwitches(r, neu.length);
        RegionTable t = RegionTable.of(switches, neu.length);
        DiffTransform transform = DiffTransform.values()[round % 2];
        int chunk = round < 3 ? NativeFormat.MIN_CHUNK : NativeFormat.DEFAULT_CHUNK;
        byte[] patch = regionPatch(old, neu, fOld, f, t, script, transform, chunk);
        assertThat(RoundTripTest.apply(old, patch))
            .as(f + " " + Arrays.toString(switches))
            .isEqualTo(neu);
        assertThat(PatchInfo.read(new ByteArrayInputStream(patch)).filter()).contains("+regions");
      }
    }
  }

  @Test
  void filteringOnlyTheFilteredRegionsIsUndoneByTheApplier() throws IOException {
    Random r = new Random(72);
    byte[] image = BranchFilterTest.armLike(r, 6 * U);
    RegionTable t = RegionTable.of(new long[] {U, 2L * U, 4L * U}, image.length);
    byte[] filtered = t.filterNew(BranchFilter.ARM_BL, image);
    // Raw regions untouched, filtered ones converted as the whole-image filter converts them.
    byte[] whole = image.clone();
    BranchFilter.ARM_BL.encode(whole, 0, whole.length, 0);
    assertThat(Arrays.copyOfRange(filtered, U, 2 * U))
        .isEqualTo(Arrays.copyOfRange(image, U, 2 * U));
    assertThat(Arrays.copyOfRange(filtered, 2 * U, 4 * U))
        .isEqualTo(Arrays.copyOfRange(whole, 2 * U, 4 * U));
    assertThat(Arrays.copyOfRange(filtered, 0, U)).isNotEqualTo(Arrays.copyOfRange(image, 0, U));
    byte[] back = filtered.clone();
    t.apply(BranchFilter.ARM_BL, back, back.length, 0, back.length, true);
    assertThat(back).isEqualTo(image);
  }

  /**
   * Code followed by a data table full of words that look like ARM calls, and 64 bytes inserted
   * early in the code: the filter makes the moved calls equal and the moved data differ, so the
   * differ keeps the filter for the code and the data raw, smaller than either view alone.
   */
  @Test
  void differKeepsRegionsWhenTheyAreSmallerAndShipsACompanionWithout() throws IOException {
    TestData.Pair p = codeAndData(new Random(73));
    DiffResult with = DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS);
    DiffResult without =
        DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS.withRegions(false));
    assertThat(DeltaApplier.FILTERS).contains(DeltaApplier.REGIONS);
    assertThat(with.regions()).isTrue();
    // The code (48 KiB and the insertions) filtered, the table after it raw: one switch.
    RegionTable chosen = tableOf(with.patch());
    assertThat(chosen.switches()).isEqualTo(1);
    assertThat(chosen.filteredAt(0)).isTrue();
    assertThat(chosen.regionEnd(0, p.newImage().length)).isBetween(48L * 1024, 52L * 1024);
    assertThat(chosen.filteredAt(p.newImage().length - 1)).isFalse();
    assertThat(with.filter()).startsWith("arm_bl+regions");
    assertThat(with.branchFilter()).isEqualTo("ARM_BL+REGIONS");
    assertThat(with.companionBranchFilter()).isEqualTo("ARM_BL");
    assertThat(with.patch().length).isLessThan(without.patch().length);
    assertThat(without.regions()).isFalse();
    assertThat(RoundTripTest.apply(p.oldImage(), with.patch())).isEqualTo(p.newImage());
    // The companion: the same filter everywhere, no table, zstd; it applies too.
    assertThat(with.zstdPatch()).isNotNull();
    assertThat(PatchInfo.read(new ByteArrayInputStream(with.zstdPatch())).filter())
        .isEqualTo("arm_bl");
    assertThat(RoundTripTest.apply(p.oldImage(), with.zstdPatch())).isEqualTo(p.newImage());
    // LZMA: the regions survive the codec choice, and the companion is still zstd.
    DiffResult lzma =
        DeltaDiffer.diff(
            p.oldImage(), p.newImage(), RoundTripTest.ALWAYS.withCodec(DiffOptions.Codec.SMALLEST));
    assertThat(lzma.filter()).contains("+regions").endsWith("+lzma");
    assertThat(RoundTripTest.apply(p.oldImage(), lzma.patch())).isEqualTo(p.newImage());
    assertThat(RoundTripTest.apply(p.oldImage(), lzma.zstdPatch())).isEqualTo(p.newImage());
  }

  @Test
  void imagesWithoutACallFilterOrWithoutDataGetNoTable() throws IOException {
    Random r = new Random(74);
    byte[] old = TestData.codeLike(r, 40_000);
    assertThat(DeltaDiffer.diff(old, TestData.evolve(r, old, 10), RoundTripTest.ALWAYS).regions())
        .isFalse();
    byte[] arm = BranchFilterTest.armLike(r, 64 * 1024);
    byte[] moved = insert(arm, 4096, TestData.random(r, 64));
    DiffResult d = DeltaDiffer.diff(arm, moved, RoundTripTest.ALWAYS);
    assertThat(d.regions()).isFalse();
    assertThat(RoundTripTest.apply(arm, d.patch())).isEqualTo(moved);
  }

  @Test
  void headerFlagsAreChecked() throws IOException {
    TestData.Pair p = codeAndData(new Random(75));
    byte[] patch = DeltaDiffer.diff(p.oldImage(), p.newImage(), RoundTripTest.ALWAYS).patch();
    // The regions flag with no filter, with the ABS32 flag, and without the flag (the table's
    // bytes are then read as a chunk header).
    byte[] noFilter = patch.clone();
    noFilter[9] = 0;
    assertApplyRefused(p.oldImage(), noFilter, "filter regions without a branch filter");
    byte[] both = patch.clone();
    both[11] |= (byte) NativeFormat.ABS32_FLAG;
    assertApplyRefused(p.oldImage(), both, "not both");
    byte[] dropped = patch.clone();
    dropped[11] &= (byte) ~NativeFormat.REGIONS_FLAG;
    assertThatThrownBy(
            () -> HostilePatchTest.applyTo(p.oldImage(), HostilePatchTest.resealHeader(dropped)))
        .isInstanceOf(DeltaFormatException.class);
    // Every cut of the header and the table is refused.
    for (int n = 0; n < NativeFormat.HEADER_SIZE + 12; n++) {
      byte[] cut = Arrays.copyOf(patch, n);
      assertThatThrownBy(() -> HostilePatchTest.applyTo(p.oldImage(), cut))
          .isInstanceOf(DeltaFormatException.class);
    }
  }

  private static RegionTable tableOf(byte[] patch) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(patch);
    byte[] magic = in.readNBytes(NativeFormat.MAGIC.length);
    return NativeFormat.readHeader(magic, in).regions();
  }

  private static void assertApplyRefused(byte[] old, byte[] patch, String message) {
    assertThatThrownBy(() -> HostilePatchTest.applyTo(old, HostilePatchTest.resealHeader(patch)))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining(message);
  }

  /**
   * See {@link #differKeepsRegionsWhenTheyAreSmallerAndShipsACompanionWithout}: ARM code calling
   * into a library at its start, linked again after twenty insertions after the library (the filter
   * keeps every call as it was; raw, each call from moved code changed), then a table of records of
   * words that look like ARM calls, in another order in the new image (raw, each record is found
   * whole; filtered, each record differs by how far it moved).
   */
  static TestData.Pair codeAndData(Random r) {
    int words = 12 * 1024;
    int[] plain = new int[words];
    int[] target = new int[words];
    for (int i = 0; i < words; i++) {
      // Calls into a library at the start, which the insertions do not move.
      target[i] = r.nextInt(8) == 0 ? r.nextInt(2048) : -1;
      plain[i] = (0xE0 + r.nextInt(11)) << 24 | r.nextInt(1 << 24);
    }
    int[] inserted = new int[words];
    for (int k = 0; k < 20; k++) {
      inserted[2048 + r.nextInt(words - 2048)] += 1 + r.nextInt(16);
    }
    byte[] data = new byte[48 * 1024];
    for (int p = 0; p < data.length; p += 4) {
      int top = (p & 12) == 0 ? 0xEB : r.nextInt(0xE0);
      BranchFilter.putLe32(data, p, top << 24 | r.nextInt(1 << 24));
    }
    int records = data.length / 256;
    java.util.List<Integer> order = new java.util.ArrayList<>();
    for (int i = 0; i < records; i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, r);
    byte[] shuffled = new byte[data.length];
    for (int i = 0; i < records; i++) {
      System.arraycopy(data, order.get(i) * 256, shuffled, i * 256, 256);
    }
    return new TestData.Pair(
        "code-and-data",
        concat(link(plain, target, new int[words], r), data),
        concat(link(plain, target, inserted, r), shuffled));
  }

  /**
   * ARM code of {@code plain} words with calls to {@code target}, {@code inserted[i]} words of new
   * code before word i.
   */
  private static byte[] link(int[] plain, int[] target, int[] inserted, Random r) {
    int n = plain.length;
    int[] at = new int[n];
    int words = 0;
    for (int i = 0; i < n; i++) {
      words += inserted[i];
      at[i] = words++;
    }
    byte[] b = new byte[words * 4];
    Random filler = new Random(r.nextLong());
    for (int w = 0; w < words; w++) {
      BranchFilter.putLe32(b, w * 4, 0xE1000000 | filler.nextInt(1 << 24));
    }
    for (int i = 0; i < n; i++) {
      int word = target[i] < 0 ? plain[i] : 0xEB000000 | ((at[target[i]] - at[i] - 2) & 0xFFFFFF);
      BranchFilter.putLe32(b, at[i] * 4, word);
    }
    return b;
  }

  static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(b, at, out, at + what.length, b.length - at);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] codeFor(BranchFilter f, Random r, int n) {
    return switch (f) {
      case THUMB_BL -> BranchFilterTest.thumbLike(r, n);
      case ARM_BL -> BranchFilterTest.armLike(r, n);
      case ARM64 -> BranchFilterTest.arm64Like(r, n);
      case X86 -> BranchFilterTest.x86Like(r, n);
      case RISCV -> BranchFilterTest.riscvLike(r, n);
      case XTENSA -> BranchFilterTest.xtensaLike(r, n);
      case NONE -> TestData.codeLike(r, n);
    };
  }

  private static long[] randomSwitches(Random r, int size) {
    int units = (size + U - 1) / U;
    long[] switches =
        r.ints(0, units)
            .limit(1 + r.nextInt(5))
            .distinct()
            .sorted()
            .mapToLong(u -> (long) u * U)
            .toArray();
    // Raw everywhere is not a table (nothing filtered): filter again from the second unit.
    return Arrays.equals(switches, new long[] {0}) ? new long[] {0, U} : switches;
  }

  private static DiffScript scan(byte[] fOld, byte[] fNew) {
    try {
      return BsdiffScanner.scan(fOld, fNew, SuffixArray.build(fOld), 16, Long.MAX_VALUE);
    } catch (BsdiffScanner.BudgetExceededException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] regionPatch(
      byte[] old,
      byte[] neu,
      byte[] fOld,
      BranchFilter f,
      RegionTable t,
      DiffScript script,
      DiffTransform transform,
      int chunk)
      throws IOException {
    NativeFormat.Encoded e =
        NativeFormat.encode(
            fOld, old, t.filterNew(f, neu), script, f, t, transform, 3, chunk, false);
    return e.patch(Sha256.digest(old), Sha256.digest(neu));
  }
}
