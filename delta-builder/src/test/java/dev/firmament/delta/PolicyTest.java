package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PolicyTest {

  @Test
  void incompressiblePairSettlesQuicklyAsFullImage() throws IOException {
    Random r = new Random(5);
    byte[] old = TestData.random(r, 3 << 20);
    byte[] neu = TestData.random(r, 3 << 20);
    DiffResult d = DeltaDiffer.diff(old, neu);
    assertThat(d.useDelta()).isFalse();
    assertThat(d.patch()).isNull();
    assertThat(d.reason()).contains("early screen");
  }

  /**
   * An image the old one explains almost entirely, though neither compresses on its own (words of a
   * random vocabulary, like code): the early screen must see the whole old image. With the level's
   * own table sizes it saw only a fraction of a 3 MB dictionary and settled this pair as "full
   * image".
   */
  @Test
  void theScreenSeesTheWholeOldImage() throws IOException {
    Random r = new Random(7);
    int size = 3 << 20;
    int[] vocabulary = r.ints(4096).toArray();
    byte[] old = new byte[size];
    for (int i = 0; i < size; i += 4) {
      int word = vocabulary[r.nextInt(vocabulary.length)];
      for (int b = 0; b < 4; b++) {
        old[i + b] = (byte) (word >>> (8 * b));
      }
    }
    byte[] neu = old.clone();
    for (int i = 0; i < size; i += 512) {
      neu[i] ^= 0x5a;
    }
    DiffResult d = DeltaDiffer.diff(old, neu);
    assertThat(d.useDelta()).as(d.reason()).isTrue();
    assertThat(d.patchBytes()).isLessThan(d.fullImageBytes() / 20);
  }

  @Test
  void deltaIsUsedWhenItPays() throws IOException {
    TestData.Pair p = TestData.samplePairs().getFirst();
    DiffResult d = DeltaDiffer.diff(p.oldImage(), p.newImage());
    assertThat(d.useDelta()).as(d.reason()).isTrue();
    assertThat(d.patchBytes()).isLessThan((long) (0.9 * d.fullImageBytes()));
  }

  @Test
  void fractionThreshold() throws IOException {
    TestData.Pair p = TestData.samplePairs().getFirst();
    DiffResult d =
        DeltaDiffer.diff(
            p.oldImage(),
            p.newImage(),
            DiffOptions.DEFAULT.withPolicy(DeltaPolicy.DEFAULT.withMaxFractionOfFull(0.01)));
    assertThat(d.useDelta()).isFalse();
    assertThat(d.patch()).isNotNull();
    assertThat(d.reason()).contains("limit 1%");
  }

  @Test
  void timeAndSizeBudgets() throws IOException {
    TestData.Pair p = TestData.samplePairs().getFirst();
    DiffResult slow =
        DeltaDiffer.diff(
            p.oldImage(),
            p.newImage(),
            DiffOptions.DEFAULT.withPolicy(DeltaPolicy.DEFAULT.withTimeBudget(Duration.ZERO)));
    assertThat(slow.useDelta()).isFalse();
    assertThat(slow.reason()).contains("time budget");
    DiffResult big =
        DeltaDiffer.diff(
            p.oldImage(),
            p.newImage(),
            DiffOptions.DEFAULT.withPolicy(DeltaPolicy.DEFAULT.withMaxImageBytes(1000)));
    assertThat(big.useDelta()).isFalse();
    assertThat(big.reason()).contains("size budget");
  }
}
