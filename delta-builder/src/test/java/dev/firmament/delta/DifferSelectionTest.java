package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.internal.Abs32Table;
import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.BsdiffScanner;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.internal.RegionTable;
import dev.firmament.delta.internal.SuffixArray;
import dev.firmament.manifest.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The differ runs its candidates concurrently; its output must be the patch a plain sequential
 * search (rank every candidate at level 3, write the finalists at the final level, try plain diff
 * coding for the winner) chooses, and must not depend on scheduling.
 */
class DifferSelectionTest {

  @Test
  void concurrentDifferChoosesTheSequentialPatch() throws IOException {
    List<TestData.Pair> pairs = new ArrayList<>(TestData.samplePairs());
    Random r = new Random(11);
    byte[] code = TestData.codeLike(r, 96 * 1024);
    pairs.add(new TestData.Pair("generated", code, TestData.evolve(r, code, 40)));
    // A pair where filter regions win (RegionsTest).
    pairs.add(RegionsTest.codeAndData(new Random(73)));
    for (DiffOptions.Filter mode : List.of(DiffOptions.Filter.AUTO, DiffOptions.Filter.ALL)) {
      DiffOptions options = RoundTripTest.ALWAYS.withFilter(mode);
      for (TestData.Pair p : pairs) {
        byte[] expected = sequential(p.oldImage(), p.newImage(), options);
        DiffResult got = DeltaDiffer.diff(p.oldImage(), p.newImage(), options);
        assertThat(got.patch()).as(p.name() + " " + mode).isEqualTo(expected);
      }
    }
  }

  @Test
  void candidateFilters() {
    Random r = new Random(12);
    byte[] thumb = BranchFilterTest.thumbLike(r, 64 * 1024);
    byte[] random = TestData.random(r, 64 * 1024);
    DiffOptions o = DiffOptions.DEFAULT;
    assertThat(DeltaDiffer.candidateFilters(thumb, o))
        .containsExactly(BranchFilter.NONE, BranchFilter.THUMB_BL);
    // The ARM pattern of Thumb-2 code is plausible by its count: the exhaustive mode tries it.
    assertThat(DeltaDiffer.candidateFilters(thumb, o.withFilter(DiffOptions.Filter.ALL)))
        .containsExactly(BranchFilter.NONE, BranchFilter.THUMB_BL, BranchFilter.ARM_BL);
    assertThat(DeltaDiffer.candidateFilters(random, o)).containsExactly(BranchFilter.NONE);
    assertThat(DeltaDiffer.candidateFilters(random, o.withFilter(DiffOptions.Filter.ALL)))
        .containsExactly(BranchFilter.NONE);
    assertThat(DeltaDiffer.candidateFilters(thumb, o.withFormat(PatchFormat.BSDIFF40)))
        .containsExactly(BranchFilter.NONE);
    assertThat(DeltaDiffer.candidateFilters(random, o.withFilter(DiffOptions.Filter.ARM_BL)))
        .containsExactly(BranchFilter.ARM_BL);
    // A large image dense with calls: the filter alone (the exhaustive mode still tries both).
    byte[] large = BranchFilterTest.thumbLike(r, DeltaDiffer.FILTER_ALONE_MIN_BYTES);
    assertThat(DeltaDiffer.candidateFilters(large, o)).containsExactly(BranchFilter.THUMB_BL);
    assertThat(DeltaDiffer.candidateFilters(large, o.withFilter(DiffOptions.Filter.ALL)))
        .startsWith(BranchFilter.NONE, BranchFilter.THUMB_BL);
    byte[] smaller = Arrays.copyOf(large, DeltaDiffer.FILTER_ALONE_MIN_BYTES - 2);
    assertThat(DeltaDiffer.candidateFilters(smaller, o))
        .containsExactly(BranchFilter.NONE, BranchFilter.THUMB_BL);
  }

  /** The size and density bounds of the filter-alone rule, at their edges. */
  @Test
  void theFilterAloneRuleNeedsALargeImageDenseWithCalls() {
    int min = DeltaDiffer.FILTER_ALONE_MIN_BYTES;
    int per = DeltaDiffer.FILTER_ALONE_BYTES_PER_CALL;
    assertThat(DeltaDiffer.filterAlone(min, min / per)).isTrue();
    assertThat(DeltaDiffer.filterAlone(min, min / per - 1)).isFalse();
    assertThat(DeltaDiffer.filterAlone(min - 1, min)).isFalse();
    assertThat(DeltaDiffer.filterAlone(4 * min, 4 * min / per)).isTrue();
    assertThat(DeltaDiffer.filterAlone(4 * min, 4 * min / per - 1)).isFalse();
  }

  /**
   * On the firmware we have, trying only the likely filter loses nothing against trying every
   * plausible one: same decision, same filter, same bytes (with the default options).
   */
  @Test
  void autoFilterMatchesTheExhaustiveSearchOnFirmware() throws IOException {
    List<TestData.Pair> pairs = new ArrayList<>(TestData.samplePairs());
    if (Files.isDirectory(TestData.SHARED)) {
      pairs.addAll(TestData.pairsIn(TestData.SHARED));
    }
    for (TestData.Pair p : pairs) {
      DiffResult auto = DeltaDiffer.diff(p.oldImage(), p.newImage(), DiffOptions.DEFAULT);
      DiffResult all =
          DeltaDiffer.diff(
              p.oldImage(), p.newImage(), DiffOptions.DEFAULT.withFilter(DiffOptions.Filter.ALL));
      assertThat(auto.decision()).as(p.name()).isEqualTo(all.decision());
      assertThat(auto.filter()).as(p.name()).isEqualTo(all.filter());
      assertThat(auto.patch()).as(p.name()).isEqualTo(all.patch());
    }
  }

  @Test
  void sameBytesWhenDiffsRunAtOnce() throws Exception {
    Random r = new Random(5);
    byte[] old = TestData.codeLike(r, 64 * 1024);
    byte[] neu = TestData.evolve(r, old, 25);
    byte[] first = DeltaDiffer.diff(old, neu, RoundTripTest.ALWAYS).patch();
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try {
      List<Future<byte[]>> runs = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        runs.add(callers.submit(() -> DeltaDiffer.diff(old, neu, RoundTripTest.ALWAYS).patch()));
      }
      for (Future<byte[]> run : runs) {
        assertThat(run.get()).isEqualTo(first);
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void encodedSizeIsExactAndThePlainTrialNeverGrowsThePatch() throws Exception {
    Random r = new Random(8);
    byte[] old = TestData.codeLike(r, 40 * 1024);
    byte[] neu = TestData.evolve(r, old, 30);
    DiffScript script = BsdiffScanner.scan(old, neu, SuffixArray.build(old), 12, Long.MAX_VALUE);
    byte[] oldSha = Sha256.digest(old);
    byte[] newSha = Sha256.digest(neu);
    for (DiffTransform t : DiffTransform.values()) {
      NativeFormat.Encoded e =
          NativeFormat.encode(old, neu, script, BranchFilter.NONE, t, 19, 8192, true);
      byte[] zeroRuns = e.patch(oldSha, newSha);
      assertThat(e.size()).isEqualTo(zeroRuns.length);
      // The plain trial keeps a chunk's zero-run coding unless plain coding is smaller, so it is
      // never larger, and both patches rebuild the new image.
      byte[] withPlain = e.withPlainTrial(oldSha, newSha);
      assertThat(withPlain.length).isLessThanOrEqualTo(zeroRuns.length);
      assertThat(RoundTripTest.apply(old, zeroRuns)).as(t.name()).isEqualTo(neu);
      assertThat(RoundTripTest.apply(old, withPlain)).as(t.name()).isEqualTo(neu);
    }
  }

  private record Candidate(
      BranchFilter filter,
      DiffTransform transform,
      byte[] fOld,
      byte[] fNew,
      DiffScript script,
      long estimate) {}

  /** Candidate {@code c} encoded against {@code projectedOld} with {@code table}. */
  private static NativeFormat.Encoded withTable(
      Candidate c, byte[] projectedOld, Abs32Table table, int level, int chunk, boolean keepRaw)
      throws IOException {
    return NativeFormat.encode(
        projectedOld, c.fNew, c.script, c.filter, table, c.transform, level, chunk, keepRaw);
  }

  /** Candidate {@code c} encoded with filter regions. */
  private static NativeFormat.Encoded withRegions(
      Candidate c, byte[] old, byte[] rNew, RegionTable t, int level, int chunk, boolean keepRaw)
      throws IOException {
    return NativeFormat.encode(
        c.fOld, old, rNew, c.script, c.filter, t, c.transform, level, chunk, keepRaw);
  }

  /**
   * The selection done one step after another, for native patches, over the differ's candidate
   * filters (filter AUTO or ALL).
   */
  static byte[] sequential(byte[] old, byte[] neu, DiffOptions options) throws IOException {
    byte[] oldSha = Sha256.digest(old);
    byte[] newSha = Sha256.digest(neu);
    List<Candidate> all = new ArrayList<>();
    for (BranchFilter f : DeltaDiffer.candidateFilters(neu, options)) {
      byte[] fOld = old.clone();
      byte[] fNew = neu.clone();
      f.encode(fOld, 0, fOld.length, 0);
      f.encode(fNew, 0, fNew.length, 0);
      int[] sa = SuffixArray.build(fOld);
      int[] slacks =
          neu.length <= DeltaDiffer.SCREEN_MIN_BYTES
              ? DeltaDiffer.SLACKS
              : DeltaDiffer.LARGE_SLACKS;
      for (int slack : slacks) {
        DiffScript script;
        try {
          script = BsdiffScanner.scan(fOld, fNew, sa, slack, Long.MAX_VALUE);
        } catch (BsdiffScanner.BudgetExceededException e) {
          throw new AssertionError(e);
        }
        for (DiffTransform t : DiffTransform.values()) {
          long size =
              TestData.nativePatch(
                      fOld, fNew, oldSha, newSha, script, f, t, 3, options.chunkSize(), false)
                  .length;
          all.add(new Candidate(f, t, fOld, fNew, script, size));
        }
      }
    }
    all.sort(Comparator.comparingLong(Candidate::estimate));
    Candidate first = all.getFirst();
    // Filter regions for the best-ranked candidate with a filter, when chosen and their level-3
    // estimate beats the best one's: then the finalists are the best-ranked and that candidate.
    Candidate filtered =
        options.regions()
            ? all.stream().filter(c -> c.filter != BranchFilter.NONE).findFirst().orElse(null)
            : null;
    RegionTable regions =
        filtered == null
            ? null
            : RegionTable.choose(old, neu, filtered.fOld, filtered.fNew, filtered.script);
    byte[] rNew = regions == null ? null : regions.filterNew(filtered.filter, neu);
    if (regions != null
        && withRegions(filtered, old, rNew, regions, 3, options.chunkSize(), false).size()
            >= first.estimate) {
      regions = null;
    }
    List<Candidate> finalists =
        regions == null
            ? all.subList(0, Math.min(DeltaDiffer.FINALISTS, all.size()))
            : filtered == first ? List.of(first) : List.of(first, filtered);
    byte[] patch = null;
    Candidate best = null;
    for (Candidate c : finalists) {
      byte[] p =
          TestData.nativePatch(
              c.fOld,
              c.fNew,
              oldSha,
              newSha,
              c.script,
              c.filter,
              c.transform,
              options.level(),
              options.chunkSize(),
              false);
      if (patch == null || p.length < patch.length) {
        patch = p;
        best = c;
      }
    }
    byte[] withPlain =
        TestData.nativePatch(
            best.fOld,
            best.fNew,
            oldSha,
            newSha,
            best.script,
            best.filter,
            best.transform,
            options.level(),
            options.chunkSize(),
            true);
    byte[] chosen = withPlain.length < patch.length ? withPlain : patch;
    // The best-ranked candidate with an ABS32 table, when its alignment gives one and it is
    // smaller.
    Abs32Table table =
        options.abs32() ? Abs32Table.build(first.fOld, first.fNew, first.script) : null;
    byte[] projectedOld = table == null ? null : table.applyTo(first.fOld);
    if (table != null
        && withTable(first, projectedOld, table, 3, options.chunkSize(), false).size()
            < first.estimate) {
      NativeFormat.Encoded e =
          withTable(first, projectedOld, table, options.level(), options.chunkSize(), true);
      byte[] zeroRuns = e.patch(oldSha, newSha);
      byte[] plain = e.withPlainTrial(oldSha, newSha);
      byte[] projected = plain.length < zeroRuns.length ? plain : zeroRuns;
      if (projected.length < chosen.length) {
        chosen = projected;
      }
    }
    // The regions' patch, when its zstd streams beat the plain winner's and it is smaller.
    if (regions != null) {
      NativeFormat.Encoded e =
          withRegions(filtered, old, rNew, regions, options.level(), options.chunkSize(), true);
      if (e.size() < patch.length) {
        byte[] zeroRuns = e.patch(oldSha, newSha);
        byte[] plain = e.withPlainTrial(oldSha, newSha);
        byte[] regioned = plain.length < zeroRuns.length ? plain : zeroRuns;
        if (regioned.length < chosen.length) {
          chosen = regioned;
        }
      }
    }
    return chosen;
  }
}
