package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.inplace.InPlaceDiffer;
import dev.firmament.delta.inplace.InPlaceLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Every pair of the wider corpus ({@code bench/delta/corpus.sh}, not committed) through both modes:
 * the A/B patch the server ships (LZMA where smaller, with every table the differ keeps) and its
 * zstd companion, and an in-place patch for a slot with 64 KiB spare, each applied and compared
 * with the new image. The corpus is fetched on purpose and takes minutes to diff in place, so this
 * runs only when asked: {@code ./mvnw -pl delta-builder verify -Dtest=CorpusRoundTripTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfirmament.delta.corpus=.firmament/delta-corpus}
 * (relative to the repository; its {@code tune} and {@code holdout} directories, or the pairs in
 * it). The benchmarks check the same round trips on every run.
 */
@EnabledIfSystemProperty(named = "firmament.delta.corpus", matches = ".+")
class CorpusRoundTripTest {

  private static List<TestData.Pair> corpus() throws IOException {
    Path dir = Path.of(System.getProperty("firmament.delta.corpus"));
    if (!dir.isAbsolute()) {
      dir = TestData.samplesDir().getParent().resolve(dir);
    }
    List<TestData.Pair> pairs = new ArrayList<>();
    for (String half : new String[] {"tune", "holdout"}) {
      if (Files.isDirectory(dir.resolve(half))) {
        pairs.addAll(TestData.pairsIn(dir.resolve(half)));
      }
    }
    if (pairs.isEmpty()) {
      pairs.addAll(TestData.pairsIn(dir));
    }
    return pairs;
  }

  @Test
  void everyPairRoundTripsInBothModes() throws IOException {
    List<TestData.Pair> pairs = corpus();
    assertThat(pairs).as("pairs in the corpus").isNotEmpty();
    DiffOptions shipped = DiffOptions.DEFAULT.withCodec(DiffOptions.Codec.SMALLEST);
    for (TestData.Pair p : pairs) {
      DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage(), shipped);
      if (r.useDelta()) {
        assertThat(RoundTripTest.apply(p.oldImage(), r.patch()))
            .as(p.name())
            .isEqualTo(p.newImage());
        if (r.zstdPatch() != null) {
          assertThat(RoundTripTest.apply(p.oldImage(), r.zstdPatch()))
              .as(p.name() + " companion")
              .isEqualTo(p.newImage());
        }
      }
      long slot = InPlaceTest.slotFor(p.oldImage(), p.newImage(), 64 * 1024);
      InPlaceDiffer.Result inPlace =
          InPlaceDiffer.diff(p.oldImage(), p.newImage(), new InPlaceLayout(slot, InPlaceTest.SEG));
      byte[] written = InPlaceTest.applied(inPlace.patch(), p.oldImage(), slot);
      assertThat(Arrays.copyOf(written, p.newImage().length))
          .as(p.name() + " in place")
          .isEqualTo(p.newImage());
    }
  }
}
