package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.internal.SuffixArray;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class SuffixArrayTest {

  static int[] naive(byte[] s) {
    Integer[] idx = new Integer[s.length];
    for (int i = 0; i < s.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Arrays.compareUnsigned(s, a, s.length, s, b, s.length));
    return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }

  @Test
  void matchesNaiveSortOnRandomAndRepetitiveInputs() {
    Random r = new Random(3);
    for (int t = 0; t < 400; t++) {
      int n = r.nextInt(300);
      int alphabet = 1 + r.nextInt(t % 3 == 0 ? 2 : 256);
      byte[] s = new byte[n];
      for (int i = 0; i < n; i++) {
        s[i] = (byte) (r.nextInt(alphabet) * (t % 5 == 0 ? 37 : 1));
      }
      assertThat(SuffixArray.build(s)).as("case %d", t).isEqualTo(naive(s));
    }
  }

  @Test
  void largeDegenerateInputsDoNotOverflowTheStack() {
    // 4 MiB of one byte and of a period-2 pattern: worst cases for recursive sorters.
    byte[] zeros = new byte[4 << 20];
    int[] sa = SuffixArray.build(zeros);
    assertThat(sa[0]).isEqualTo(zeros.length - 1);
    assertThat(sa[sa.length - 1]).isZero();
    byte[] ab = new byte[4 << 20];
    for (int i = 0; i < ab.length; i++) {
      ab[i] = (byte) (i & 1);
    }
    int[] sa2 = SuffixArray.build(ab);
    assertThat(sa2[0]).isEqualTo(ab.length - 2);
  }

  /**
   * The differ shuts its pool down when the early screen settles on the full image; a sort on an
   * interrupted thread gives up instead of finishing for nothing, and leaves the interruption set.
   */
  @Test
  void anInterruptedSortGivesUp() {
    byte[] data = new byte[4096];
    new Random(3).nextBytes(data);
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> SuffixArray.build(data)).isInstanceOf(CancellationException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(SuffixArray.build(data)).hasSize(data.length);
  }
}
