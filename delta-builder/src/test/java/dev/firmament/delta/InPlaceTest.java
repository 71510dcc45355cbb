package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.inplace.InPlaceApplier;
import dev.firmament.delta.inplace.InPlaceDiffer;
import dev.firmament.delta.inplace.InPlaceLayout;
import dev.firmament.delta.inplace.TestFlash;
import dev.firmament.delta.io.DeltaFormatException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * In-place patches: round trips, a power cut at every step, and patches that must change nothing.
 */
class InPlaceTest {
  static final int SEG = 4096;

  static long slotFor(byte[] a, byte[] b, int spare) {
    long size = Math.max(a.length, b.length) + spare;
    return (size + SEG - 1) / SEG * SEG;
  }

  static byte[] applied(byte[] patch, byte[] old, long slot) throws IOException {
    TestFlash flash = new TestFlash(slot, 1024, old);
    InPlaceApplier.apply(patch, flash, new TestFlash.Journal());
    return flash.bytes;
  }

  private static void assertHolds(byte[] slot, byte[] image) {
    assertThat(Arrays.copyOf(slot, image.length)).isEqualTo(image);
  }

  @Test
  void roundTripsOnTheSamplesWithAndWithoutRoomToShift() throws IOException {
    for (TestData.Pair pair : TestData.samplePairs()) {
      for (int spare : new int[] {0, 3 * SEG, 64 * 1024}) {
        long slot = slotFor(pair.oldImage(), pair.newImage(), spare);
        InPlaceDiffer.Result r =
            InPlaceDiffer.diff(pair.oldImage(), pair.newImage(), new InPlaceLayout(slot, SEG));
        assertThat(r.shift())
            .isEqualTo(slot - pair.oldImage().length - (slot - pair.oldImage().length) % SEG);
        assertHolds(applied(r.patch(), pair.oldImage(), slot), pair.newImage());
        assertThat(r.scratchBytes()).isLessThanOrEqualTo(SEG + 64 * 1024);
        assertThat(InPlaceApplier.info(r.patch()).scratchBytes()).isEqualTo(r.scratchBytes());
        // A patch of a near-identical image is a small fraction of it.
        assertThat(r.patch().length)
            .as(pair + " spare " + spare)
            .isLessThan(pair.newImage().length / 4);
      }
    }
  }

  @Test
  void roundTripsOnGrowingShrinkingAndEmptyImages() throws IOException {
    Random random = new Random(7);
    byte[] old = TestData.codeLike(random, 40_000);
    List<byte[]> news = new ArrayList<>();
    news.add(TestData.evolve(random, old, 30));
    news.add(Arrays.copyOf(TestData.evolve(random, old, 10), 20_000));
    byte[] grown = new byte[70_000];
    System.arraycopy(TestData.evolve(random, old, 10), 0, grown, 0, 39_000);
    System.arraycopy(TestData.codeLike(random, 31_000), 0, grown, 39_000, 31_000);
    news.add(grown);
    news.add(new byte[0]);
    news.add(old.clone());
    for (byte[] neu : news) {
      for (int spare : new int[] {0, SEG, 40_000}) {
        long slot = slotFor(old, neu, spare);
        byte[] patch = InPlaceDiffer.diff(old, neu, new InPlaceLayout(slot, SEG)).patch();
        assertHolds(applied(patch, old, slot), neu);
      }
    }
    // From nothing: every byte is new.
    byte[] patch =
        InPlaceDiffer.diff(new byte[0], old, new InPlaceLayout(slotFor(old, old, 0), SEG)).patch();
    assertHolds(applied(patch, new byte[0], slotFor(old, old, 0)), old);
  }

  /**
   * A power cut at every write (half of it programmed) and before every journal record, with a
   * second cut on the way back for some: the apply always ends with the new image.
   */
  @Test
  void aPowerCutAtEveryStepResumesToTheNewImage() throws IOException {
    Random random = new Random(3);
    byte[] synthetic = TestData.codeLike(random, 40_000);
    List<TestData.Pair> pairs =
        List.of(
            TestData.samplePairs().getLast(),
            // 40,000 bytes in a 40,960-byte slot: no room to shift, the first write is over the
            // old image itself.
            new TestData.Pair(
                "synthetic",
                synthetic,
                Arrays.copyOf(TestData.evolve(random, synthetic, 20), 40_000)));
    for (int spare : new int[] {0, 5 * SEG, -1}) {
      TestData.Pair pair = spare < 0 ? pairs.get(1) : pairs.get(0);
      spare = Math.max(spare, 0);
      byte[] old = pair.oldImage();
      byte[] neu = pair.newImage();
      long slot = slotFor(old, neu, spare);
      byte[] patch = InPlaceDiffer.diff(old, neu, new InPlaceLayout(slot, SEG)).patch();
      long steps = InPlaceApplier.info(patch).steps();
      assertThat(steps).isGreaterThan(9);
      assertThat(InPlaceApplier.info(patch).shift())
          .isEqualTo(slot - old.length - (slot - old.length) % SEG);
      int cuts = 0;
      for (int k = 0; k <= steps; k++) {
        for (boolean atRecord : new boolean[] {false, true}) {
          TestFlash flash = new TestFlash(slot, 1024, old);
          TestFlash.Journal journal = new TestFlash.Journal();
          if (atRecord) {
            journal.cutAtRecord = k;
          } else {
            flash.cutAtWrite = k;
          }
          try {
            InPlaceApplier.apply(patch, flash, journal);
            assertThat(k)
                .as("only a cut past the last step lets the first run end")
                .isEqualTo(steps);
          } catch (TestFlash.PowerCut expected) {
            cuts++;
            flash.cutAtWrite = k % 3 == 0 ? flash.writes + 1 : -1;
            try {
              InPlaceApplier.apply(patch, flash, journal);
            } catch (TestFlash.PowerCut again) {
              flash.cutAtWrite = -1;
              InPlaceApplier.apply(patch, flash, journal);
            }
          }
          assertHolds(flash.bytes, neu);
        }
      }
      assertThat(cuts).isGreaterThanOrEqualTo((int) (2 * steps));
    }
  }

  @Test
  void aPatchForAnotherImageOrSlotChangesNothing() throws IOException {
    TestData.Pair pair = TestData.samplePairs().getFirst();
    long slot = slotFor(pair.oldImage(), pair.newImage(), SEG);
    byte[] patch =
        InPlaceDiffer.diff(pair.oldImage(), pair.newImage(), new InPlaceLayout(slot, SEG)).patch();

    byte[] other = pair.oldImage().clone();
    other[100] ^= 1;
    TestFlash flash = new TestFlash(slot, 1024, other);
    byte[] before = flash.bytes.clone();
    TestFlash.Journal journal = new TestFlash.Journal();
    assertThatThrownBy(() -> InPlaceApplier.apply(patch, flash, journal))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("old image");
    assertThat(flash.bytes).isEqualTo(before);
    assertThat(flash.writes).isZero();
    assertThat(journal.steps).isEmpty();

    TestFlash bigger = new TestFlash(slot + SEG, 1024, pair.oldImage());
    assertThatThrownBy(() -> InPlaceApplier.apply(patch, bigger, new TestFlash.Journal()))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("slot of " + slot);
    TestFlash coarse = new TestFlash(slot, 2 * SEG, pair.oldImage());
    assertThatThrownBy(() -> InPlaceApplier.apply(patch, coarse, new TestFlash.Journal()))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining("erase block");
    assertThat(bigger.writes + coarse.writes).isZero();
  }

  /**
   * Any single corrupted byte is refused before the first write, or (a byte the decoder does not
   * depend on) still yields the new image.
   */
  @Test
  void aCorruptedPatchIsRefusedBeforeAnyWrite() throws IOException {
    Random random = new Random(11);
    byte[] old = TestData.codeLike(random, 30_000);
    byte[] neu = TestData.evolve(random, old, 40);
    long slot = slotFor(old, neu, 2 * SEG);
    byte[] patch = InPlaceDiffer.diff(old, neu, new InPlaceLayout(slot, SEG)).patch();
    int refused = 0;
    for (int i = 0; i < patch.length; i += (i < 200 ? 1 : 7)) {
      byte[] bad = patch.clone();
      bad[i] ^= (byte) (1 + random.nextInt(255));
      TestFlash flash = new TestFlash(slot, 1024, old);
      try {
        InPlaceApplier.apply(bad, flash, new TestFlash.Journal());
        assertHolds(flash.bytes, neu);
      } catch (DeltaFormatException e) {
        refused++;
        assertThat(flash.writes).as("byte " + i + ": " + e.getMessage()).isZero();
      }
    }
    assertThat(refused).isGreaterThan(100);
    byte[] longer = Arrays.copyOf(patch, patch.length + 1);
    assertThatThrownBy(() -> InPlaceApplier.info(longer)).isInstanceOf(DeltaFormatException.class);
    assertThatThrownBy(() -> InPlaceApplier.info(Arrays.copyOf(patch, 100)))
        .isInstanceOf(DeltaFormatException.class);
  }

  @Test
  void layoutsOutsideTheRulesAreRefused() {
    assertThatThrownBy(() -> new InPlaceLayout(8192, 3000)).hasMessageContaining("power of two");
    assertThatThrownBy(() -> new InPlaceLayout(10_000, 4096)).hasMessageContaining("multiple");
    assertThatThrownBy(() -> new InPlaceLayout(8192, 4096, 1024)).hasMessageContaining("budget");
    assertThat(new InPlaceLayout(64 * 1024, 4096).shiftFor(50_000)).isEqualTo(12_288);
    assertThat(new InPlaceLayout(64 * 1024, 4096).shiftFor(65_000)).isZero();
    assertThatThrownBy(
            () -> InPlaceDiffer.diff(new byte[9000], new byte[10], new InPlaceLayout(8192, 4096)))
        .hasMessageContaining("do not fit");
  }
}
