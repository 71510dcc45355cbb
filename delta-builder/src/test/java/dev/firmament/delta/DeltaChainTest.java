package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.DeltaChain.Link;
import dev.firmament.delta.DeltaChain.Step;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chain container: what it carries, how its steps apply, and what it refuses. */
class DeltaChainTest {

  private static byte[] image(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** {@code base} with a few bytes changed at {@code where}. */
  private static byte[] edit(byte[] base, int where, int seed) {
    byte[] b = base.clone();
    byte[] patch = image(seed, 64);
    System.arraycopy(patch, 0, b, where, patch.length);
    return b;
  }

  @Test
  void stepsApplyOneAfterAnotherToTheTargetImage() throws IOException {
    byte[] v1 = image(1, 40_000);
    byte[] v2 = edit(v1, 1_000, 2);
    byte[] v3 = edit(v2, 30_000, 3);
    byte[] p12 = RoundTripTest.diff(v1, v2, PatchFormat.NATIVE);
    byte[] p23 = RoundTripTest.diff(v2, v3, PatchFormat.BSDIFF40);
    byte[] chain =
        DeltaChain.encode(
            List.of(
                new Link("1.1.0", Sha256.hex(v2), p12), new Link("1.2.0", Sha256.hex(v3), p23)));

    assertThat(DeltaChain.isChain(chain)).isTrue();
    assertThat(DeltaChain.isChain(p12)).isFalse();
    List<Step> steps = DeltaChain.read(SeekableSource.of(chain));
    assertThat(steps).extracting(Step::version).containsExactly("1.1.0", "1.2.0");
    assertThat(steps.get(0).sha256Hex()).isEqualTo(Sha256.hex(v2));
    assertThat(steps.get(1).sha256Hex()).isEqualTo(Sha256.hex(v3));
    assertThat(steps.get(0).length()).isEqualTo(p12.length);
    assertThat(steps.get(1).offset()).isEqualTo(steps.get(0).offset() + p12.length);
    assertThat(steps.get(1).offset() + steps.get(1).length()).isEqualTo(chain.length);
    // header: magic, count, and per step a version byte, the version, the hash and the length
    assertThat(steps.get(0).offset()).isEqualTo(8 + 1 + 2 * (1 + 5 + 32 + 8));

    byte[] current = v1;
    SeekableSource source = SeekableSource.of(chain);
    for (Step step : steps) {
      current = RoundTripTest.apply(current, read(step.patch(source)));
      assertThat(Sha256.hex(current)).isEqualTo(step.sha256Hex());
    }
    assertThat(current).isEqualTo(v3);
  }

  private static byte[] read(SeekableSource s) throws IOException {
    byte[] b = new byte[(int) s.size()];
    s.readFully(0, b, 0, b.length);
    assertThat(s.read(b.length, new byte[1], 0, 1)).isEqualTo(-1);
    return b;
  }

  private static byte[] twoSteps() {
    return DeltaChain.encode(
        List.of(
            new Link("2.0", "00".repeat(32), new byte[] {1, 2, 3}),
            new Link("3.0", "11".repeat(32), new byte[] {4, 5})));
  }

  @Test
  void aSliceReadsOnlyItsOwnPatch() throws IOException {
    byte[] chain = twoSteps();
    List<Step> steps = DeltaChain.read(SeekableSource.of(chain));

    assertThat(read(steps.get(0).patch(SeekableSource.of(chain)))).containsExactly(1, 2, 3);
    assertThat(read(steps.get(1).patch(SeekableSource.of(chain)))).containsExactly(4, 5);
    byte[] two = new byte[8];
    assertThat(steps.get(0).patch(SeekableSource.of(chain)).read(1, two, 0, 8)).isEqualTo(2);
    assertThat(Arrays.copyOf(two, 2)).containsExactly(2, 3);
    assertThat(steps.get(1).patch(SeekableSource.of(chain)).read(1, two, 0, 8)).isEqualTo(1);
    assertThat(two[0]).isEqualTo((byte) 5);
    assertThat(steps.get(0).patch(SeekableSource.of(chain)).read(1, two, 0, 0)).isZero();
    assertThatThrownBy(() -> steps.get(0).patch(SeekableSource.of(chain)).read(-1, two, 0, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void malformedChainsAreRefusedWithTheirReason() {
    byte[] good = twoSteps();
    assertRefused(Arrays.copyOf(good, good.length - 1), "patches end at byte");
    assertRefused(Arrays.copyOf(good, good.length + 1), "patches end at byte");
    assertRefused(Arrays.copyOf(good, 20), "ends before its");
    assertRefused(Arrays.copyOf(good, 4), "ends before its magic");

    byte[] magic = good.clone();
    magic[0] = 'X';
    assertRefused(magic, "not a patch chain");

    for (int count : new int[] {0, 1, 9, 255}) {
      byte[] steps = good.clone();
      steps[8] = (byte) count;
      assertRefused(steps, "this one says " + count);
    }

    byte[] version = good.clone();
    version[10] = ' ';
    assertRefused(version, "step 1: version");
    byte[] emptyVersion = good.clone();
    emptyVersion[9] = 0;
    assertRefused(emptyVersion, "step 1: version");

    // The first step's patch length: 8 bytes after its version (3) and hash (32).
    int lengthAt = 8 + 1 + 1 + 3 + 32;
    byte[] huge = good.clone();
    ByteBuffer.wrap(huge).putLong(lengthAt, Long.MAX_VALUE);
    assertRefused(huge, "step 1: patch length");
    byte[] zero = good.clone();
    ByteBuffer.wrap(zero).putLong(lengthAt, 0);
    assertRefused(zero, "step 1: patch length 0");
  }

  @Test
  void aTruncatedHeaderNamesTheStepAndFieldItEndsIn() {
    // Versions "2.0" and "3.0": step 1's header is bytes 9 to 52, step 2's 53 to 96; the patches
    // are bytes 97 to 101.
    byte[] good = twoSteps();
    assertThat(good).hasSize(102);
    assertRefused(Arrays.copyOf(good, 8), "ends before its step count");
    assertRefused(Arrays.copyOf(good, 9), "ends before its version length of step 1");
    assertRefused(Arrays.copyOf(good, 12), "ends before its version of step 1");
    assertRefused(Arrays.copyOf(good, 44), "ends before its sha256 of step 1");
    assertRefused(Arrays.copyOf(good, 52), "ends before its patch length of step 1");
    assertRefused(Arrays.copyOf(good, 53), "ends before its version length of step 2");
    assertRefused(Arrays.copyOf(good, 55), "ends before its version of step 2");
    assertRefused(Arrays.copyOf(good, 60), "ends before its sha256 of step 2");
    assertRefused(Arrays.copyOf(good, 92), "ends before its patch length of step 2");
    assertRefused(Arrays.copyOf(good, 97), "patches end at byte 102 but the chain has 97 bytes");
    byte[] secondVersion = good.clone();
    secondVersion[54] = ' ';
    assertRefused(secondVersion, "step 2: version");
    byte[] secondLength = good.clone();
    ByteBuffer.wrap(secondLength).putLong(89, 0);
    assertRefused(secondLength, "step 2: patch length 0");
  }

  @Test
  void theLimitsThemselvesAreAllowed() throws IOException {
    Link longest = new Link("v".repeat(64), "00".repeat(32), new byte[] {7});
    byte[] chain = DeltaChain.encode(java.util.Collections.nCopies(8, longest));

    List<Step> steps = DeltaChain.read(SeekableSource.of(chain));

    assertThat(steps).hasSize(8).allSatisfy(s -> assertThat(s.length()).isEqualTo(1));
    assertThat(steps.getFirst().version()).hasSize(64);
    assertThat(DeltaChain.isChain(Arrays.copyOf(chain, 8))).isTrue();
    assertThat(DeltaChain.isChain(Arrays.copyOf(chain, 7))).isFalse();
  }

  private static void assertRefused(byte[] chain, String reason) {
    assertThatThrownBy(() -> DeltaChain.read(SeekableSource.of(chain)))
        .isInstanceOf(DeltaFormatException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void encodingChecksItsLinks() {
    Link ok = new Link("1.0", "00".repeat(32), new byte[] {1});
    assertThatThrownBy(() -> DeltaChain.encode(List.of(ok)))
        .hasMessageContaining("2 to 8 steps, not 1");
    assertThatThrownBy(() -> DeltaChain.encode(java.util.Collections.nCopies(9, ok)))
        .hasMessageContaining("not 9");
    assertThatThrownBy(
            () -> DeltaChain.encode(List.of(ok, new Link("1.1", "00".repeat(31), new byte[] {1}))))
        .hasMessageContaining("32 bytes, was 31");
    assertThatThrownBy(
            () -> DeltaChain.encode(List.of(ok, new Link("1.1", "00".repeat(32), new byte[0]))))
        .hasMessageContaining("empty");
    assertThatThrownBy(
            () -> DeltaChain.encode(List.of(ok, new Link("a b", "00".repeat(32), new byte[] {1}))))
        .hasMessageContaining("printable");
    assertThatThrownBy(
            () ->
                DeltaChain.encode(
                    List.of(ok, new Link("v".repeat(65), "00".repeat(32), new byte[] {1}))))
        .hasMessageContaining("printable");
    assertThat(DeltaChain.encode(java.util.Collections.nCopies(8, ok))).isNotEmpty();
  }
}
