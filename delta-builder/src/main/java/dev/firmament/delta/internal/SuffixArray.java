package dev.firmament.delta.internal;

import java.util.Arrays;
import java.util.concurrent.CancellationException;

/**
 * Suffix array construction by induced sorting (SA-IS, Nong, Zhang and Chan 2009).
 *
 * <p>Linear time. Each reduction step at least halves the problem size, so the nesting depth is at
 * most log2(n) levels (about 23 for a 4 MiB image, 31 for the largest Java array) and each level
 * keeps only a handful of references on the call stack: the construction cannot overflow the stack
 * whatever the input. All loops over the text are iterative.
 */
public final class SuffixArray {
  private SuffixArray() {}

  /** Suffix array of {@code data}: {@code sa[i]} is the start of the i-th smallest suffix. */
  public static int[] build(byte[] data) {
    int n = data.length;
    int[] s = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = data[i] & 0xff;
    }
    return sais(s, 255);
  }

  static int[] sais(int[] s, int upper) {
    int n = s.length;
    if (n == 0) {
      return new int[0];
    }
    if (n == 1) {
      return new int[] {0};
    }
    if (n == 2) {
      return s[0] < s[1] ? new int[] {0, 1} : new int[] {1, 0};
    }
    if (n < 10) {
      return naive(s);
    }
    stopIfInterrupted();
    int[] sa = new int[n];
    boolean[] ls = new boolean[n];
    for (int i = n - 2; i >= 0; i--) {
      ls[i] = (s[i] == s[i + 1]) ? ls[i + 1] : (s[i] < s[i + 1]);
    }
    int[] sumL = new int[upper + 1];
    int[] sumS = new int[upper + 1];
    for (int i = 0; i < n; i++) {
      if (!ls[i]) {
        sumS[s[i]]++;
      } else {
        sumL[s[i] + 1]++;
      }
    }
    for (int i = 0; i <= upper; i++) {
      sumS[i] += sumL[i];
      if (i < upper) {
        sumL[i + 1] += sumS[i];
      }
    }
    int[] lmsMap = new int[n + 1];
    Arrays.fill(lmsMap, -1);
    int m = 0;
    for (int i = 1; i < n; i++) {
      if (!ls[i - 1] && ls[i]) {
        lmsMap[i] = m++;
      }
    }
    int[] lms = new int[m];
    int k = 0;
    for (int i = 1; i < n; i++) {
      if (!ls[i - 1] && ls[i]) {
        lms[k++] = i;
      }
    }
    int[] buf = new int[upper + 1];
    induce(s, sa, ls, sumS, sumL, buf, lms, m, upper);
    if (m > 0) {
      int[] sortedLms = new int[m];
      k = 0;
      for (int v : sa) {
        if (lmsMap[v] != -1) {
          sortedLms[k++] = v;
        }
      }
      int[] recS = new int[m];
      int recUpper = 0;
      recS[lmsMap[sortedLms[0]]] = 0;
      for (int i = 1; i < m; i++) {
        int l = sortedLms[i - 1];
        int r = sortedLms[i];
        int endL = (lmsMap[l] + 1 < m) ? lms[lmsMap[l] + 1] : n;
        int endR = (lmsMap[r] + 1 < m) ? lms[lmsMap[r] + 1] : n;
        boolean same = true;
        if (endL - l != endR - r) {
          same = false;
        } else {
          while (l < endL) {
            if (s[l] != s[r]) {
              break;
            }
            l++;
            r++;
          }
          if (l == n || s[l] != s[r]) {
            same = false;
          }
        }
        if (!same) {
          recUpper++;
        }
        recS[lmsMap[sortedLms[i]]] = recUpper;
      }
      lmsMap = null;
      stopIfInterrupted();
      int[] recSa = sais(recS, recUpper);
      for (int i = 0; i < m; i++) {
        sortedLms[i] = lms[recSa[i]];
      }
      induce(s, sa, ls, sumS, sumL, buf, sortedLms, m, upper);
    }
    return sa;
  }

  /**
   * Gives up when the sorting thread was interrupted (the differ shuts its pool down when the early
   * screen settles on the full image): checked at every level, so an abandoned sort stops within
   * one level's passes instead of finishing for nothing.
   */
  private static void stopIfInterrupted() {
    if (Thread.currentThread().isInterrupted()) {
      throw new CancellationException("suffix sort interrupted");
    }
  }

  private static void induce(
      int[] s,
      int[] sa,
      boolean[] ls,
      int[] sumS,
      int[] sumL,
      int[] buf,
      int[] lms,
      int m,
      int upper) {
    int n = s.length;
    Arrays.fill(sa, -1);
    System.arraycopy(sumS, 0, buf, 0, upper + 1);
    for (int i = 0; i < m; i++) {
      int d = lms[i];
      if (d == n) {
        continue;
      }
      sa[buf[s[d]]++] = d;
    }
    System.arraycopy(sumL, 0, buf, 0, upper + 1);
    sa[buf[s[n - 1]]++] = n - 1;
    for (int i = 0; i < n; i++) {
      int v = sa[i];
      if (v >= 1 && !ls[v - 1]) {
        sa[buf[s[v - 1]]++] = v - 1;
      }
    }
    System.arraycopy(sumL, 0, buf, 0, upper + 1);
    for (int i = n - 1; i >= 0; i--) {
      int v = sa[i];
      if (v >= 1 && ls[v - 1]) {
        sa[--buf[s[v - 1] + 1]] = v - 1;
      }
    }
  }

  private static int[] naive(int[] s) {
    int n = s.length;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(
        idx,
        (a, b) -> {
          if (a.intValue() == b.intValue()) {
            return 0;
          }
          int x = a;
          int y = b;
          while (x < n && y < n) {
            if (s[x] != s[y]) {
              return s[x] < s[y] ? -1 : 1;
            }
            x++;
            y++;
          }
          return x == n ? -1 : 1;
        });
    int[] sa = new int[n];
    for (int i = 0; i < n; i++) {
      sa[i] = idx[i];
    }
    return sa;
  }
}
