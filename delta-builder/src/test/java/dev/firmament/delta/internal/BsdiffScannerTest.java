package dev.firmament.delta.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BsdiffScannerTest {

  /** Code-like bytes: a small alphabet with runs, so two-byte buckets are large and uneven. */
  static byte[] image(Random r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = r.nextInt(4) == 0 ? 0 : (byte) (r.nextInt(6) * 41);
    }
    return b;
  }

  @Test
  void everySuffixLiesInTheBucketOfItsFirstTwoBytes() {
    Random r = new Random(11);
    for (int t = 0; t < 200; t++) {
      byte[] old = t % 7 == 0 ? new byte[2 + r.nextInt(50)] : image(r, 2 + r.nextInt(3000));
      int[] sa = SuffixArray.build(old);
      int[] first = new int[1 << 16];
      int[] count = new int[1 << 16];
      BsdiffScanner.prefixBuckets(old, first, count);
      int inBuckets = 0;
      for (int i = 0; i < sa.length; i++) {
        int o = sa[i];
        if (o + 1 == old.length) {
          continue; // the one-byte suffix is in no bucket
        }
        int k = ((old[o] & 0xff) << 8) | (old[o + 1] & 0xff);
        assertThat(i).as("case %d, suffix %d", t, o).isBetween(first[k], first[k] + count[k] - 1);
        inBuckets++;
      }
      assertThat(Arrays.stream(count).sum()).isEqualTo(inBuckets).isEqualTo(old.length - 1);
    }
  }

  /**
   * bsdiff's search takes an old suffix that is a proper prefix of the target as larger than it, so
   * near the end of the old image it can miss the longest match (as C bsdiff does). With a last
   * byte found nowhere else no suffix is such a prefix, and the search must find the longest match;
   * without it, the length it reports must still be the match at the position it reports.
   */
  @Test
  void theBucketedSearchFindsTheLongestMatchAnywhereInTheOldImage() {
    Random r = new Random(5);
    for (int t = 0; t < 60; t++) {
      boolean sentinel = t % 3 != 0;
      byte[] old = image(r, 1 + r.nextInt(1500));
      byte[] neu = image(r, 1 + r.nextInt(600));
      // Copies of old pieces, so there are long matches to find too.
      for (int k = 0; k < 4 && old.length > 40 && neu.length > 40; k++) {
        int len = 1 + r.nextInt(35);
        System.arraycopy(old, r.nextInt(old.length - len), neu, r.nextInt(neu.length - len), len);
      }
      if (sentinel) {
        old[old.length - 1] = 0x7f; // image() never makes this byte
      }
      int[] sa = SuffixArray.build(old);
      BsdiffScanner scanner = new BsdiffScanner(old, neu, sa, 8, Long.MAX_VALUE);
      for (int from = 0; from < neu.length; from++) {
        int best = 0;
        for (int o = 0; o < old.length; o++) {
          best = Math.max(best, common(old, o, neu, from));
        }
        int len = scanner.search(neu, from);
        assertThat(common(old, scanner.matchPos(), neu, from)).isEqualTo(len);
        if (sentinel) {
          assertThat(len).as("case %d, new offset %d", t, from).isEqualTo(best);
        } else {
          assertThat(len).isLessThanOrEqualTo(best);
        }
      }
    }
  }

  @Test
  void scansThatShareTheirSearchesWriteTheScriptsOfSeparateScans() throws Exception {
    Random r = new Random(8);
    int[] slacks = {8, 12, 16};
    int partedWays = 0;
    for (int t = 0; t < 30; t++) {
      byte[] old = image(r, t == 0 ? 0 : 200 + r.nextInt(4000));
      // Pieces of the old image from anywhere, with an edit every ~16 bytes: at each piece's end
      // the scans must choose between alignments, which is where the slacks part ways.
      byte[] neu = edited(r, old, old.length == 0 ? 100 : old.length, 120);
      int[] sa = SuffixArray.build(old);
      DiffScript[] shared = BsdiffScanner.scanAll(old, neu, sa, slacks, Long.MAX_VALUE);
      assertThat(shared).hasSize(slacks.length);
      for (int i = 0; i < slacks.length; i++) {
        DiffScript alone = BsdiffScanner.scan(old, neu, sa, slacks[i], Long.MAX_VALUE);
        assertThat(entries(shared[i]))
            .as("case %d, slack %d", t, slacks[i])
            .isEqualTo(entries(alone));
      }
      if (!entries(shared[0]).equals(entries(shared[2]))) {
        partedWays++;
      }
    }
    // The slacks part ways in most cases, or this would not test the sharing.
    assertThat(partedWays).isGreaterThan(20);
  }

  /**
   * A scan ahead fills the shared searches from another starting point; the scripts must still be
   * those of separate scans: with the scan ahead run to the end before the first scan starts (a
   * caller-runs executor), and with it running beside the first scan on a thread of its own.
   */
  @Test
  void aScanAheadLeavesTheScriptsOfSeparateScans() throws Exception {
    Random r = new Random(9);
    int[] slacks = {8, 16};
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      for (int t = 0; t < 4; t++) {
        byte[] old = image(r, BsdiffScanner.AHEAD_MIN_BYTES + r.nextInt(100_000));
        byte[] neu = edited(r, old, old.length, 400);
        int[] sa = SuffixArray.build(old);
        java.util.List<java.util.List<String>> alone = new java.util.ArrayList<>();
        for (int slack : slacks) {
          alone.add(entries(BsdiffScanner.scan(old, neu, sa, slack, Long.MAX_VALUE)));
        }
        for (java.util.concurrent.Executor ahead :
            java.util.List.<java.util.concurrent.Executor>of(Runnable::run, pool)) {
          DiffScript[] shared = BsdiffScanner.scanAll(old, neu, sa, slacks, Long.MAX_VALUE, ahead);
          for (int i = 0; i < slacks.length; i++) {
            assertThat(entries(shared[i]))
                .as("case %d, slack %d, %s", t, slacks[i], ahead)
                .isEqualTo(alone.get(i));
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * {@code length} bytes of pieces of {@code old} (8 to {@code 8 + maxPiece - 1} bytes each, from
   * anywhere; zeros when {@code old} is empty), with an edit every ~16 bytes.
   */
  private static byte[] edited(Random r, byte[] old, int length, int maxPiece) {
    byte[] neu = new byte[length];
    for (int at = 0; at < neu.length && old.length > 0; ) {
      int len = Math.min(neu.length - at, 8 + r.nextInt(maxPiece));
      int from = r.nextInt(old.length - len + 1);
      System.arraycopy(old, from, neu, at, len);
      at += len;
    }
    for (int k = 0; k < neu.length / 16; k++) {
      neu[r.nextInt(neu.length)] ^= (byte) (1 + r.nextInt(255));
    }
    return neu;
  }

  private static java.util.List<String> entries(DiffScript s) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      out.add(s.diffLen(i) + "/" + s.extraLen(i) + "/" + s.seek(i));
    }
    return out;
  }

  private static int common(byte[] a, int i, byte[] b, int j) {
    int n = 0;
    while (i + n < a.length && j + n < b.length && a[i + n] == b[j + n]) {
      n++;
    }
    return n;
  }
}
