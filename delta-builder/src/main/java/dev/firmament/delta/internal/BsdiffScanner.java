package dev.firmament.delta.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bsdiff 4 match-extension scan (Colin Percival, "Naive differences of executable code"),
 * driven by a suffix array of the old image. Produces a {@link DiffScript}.
 */
public final class BsdiffScanner {
  /** Thrown when the scan exceeds its time budget. */
  public static final class BudgetExceededException extends Exception {
    public BudgetExceededException(String message) {
      super(message, null, false, false);
    }
  }

  /** bsdiff 4's threshold. */
  public static final int CLASSIC_SLACK = 8;

  private final byte[] old;
  private final byte[] neu;
  private final int[] sa;
  private final long deadlineNanos;
  private final int slack;

  /**
   * Where the suffixes starting with each two-byte prefix {@code k = old[o] << 8 | old[o + 1]} lie
   * in the suffix array: {@code sa[first[k] .. first[k] + count[k] - 1]}. The search starts inside
   * that range instead of the whole array, which saves the first 16 of its ~21 halvings on a 2 MiB
   * image. Null when the old image is shorter than two bytes.
   */
  private final int[] first;

  private final int[] count;

  /**
   * Search results by new-image offset, shared by the scans of {@link #scanAll}: {@code (matchPos
   * << 32) | (len + 1)}, 0 where not searched yet. Null for a single scan.
   */
  private final long[] memo;

  /**
   * Opaque (atomic, unordered) access to {@link #memo}, which a scan ahead ({@link #scanAll}) fills
   * from another thread: every value written at an offset is the same, so only tearing matters.
   */
  private static final VarHandle MEMO = MethodHandles.arrayElementVarHandle(long[].class);

  /** New images below this size are scanned without a scan ahead (not worth a task). */
  static final int AHEAD_MIN_BYTES = 64 * 1024;

  private int matchPos;

  BsdiffScanner(byte[] old, byte[] neu, int[] sa, int slack, long deadlineNanos) {
    this.slack = slack;
    this.old = old;
    this.neu = neu;
    this.sa = sa;
    this.deadlineNanos = deadlineNanos;
    this.memo = null;
    if (old.length >= 2) {
      count = new int[1 << 16];
      first = new int[1 << 16];
      prefixBuckets(old, first, count);
    } else {
      count = null;
      first = null;
    }
  }

  /** Another slack over the same images, buckets and search results as {@code base}. */
  private BsdiffScanner(BsdiffScanner base, int slack, long[] memo) {
    this.slack = slack;
    this.old = base.old;
    this.neu = base.neu;
    this.sa = base.sa;
    this.deadlineNanos = base.deadlineNanos;
    this.first = base.first;
    this.count = base.count;
    this.memo = memo;
  }

  /**
   * Fills {@code first} and {@code count} from the byte pairs of {@code old}, without reading the
   * suffix array: the suffixes are in lexicographic order, so the bucket of prefix {@code k} starts
   * after every suffix with a smaller prefix. The one suffix of a single byte (the last byte) sorts
   * before every longer suffix starting with the same byte and is in no bucket.
   */
  static void prefixBuckets(byte[] old, int[] first, int[] count) {
    int n = old.length;
    for (int i = 0; i + 1 < n; i++) {
      count[((old[i] & 0xff) << 8) | (old[i + 1] & 0xff)]++;
    }
    int lastByteGroup = (old[n - 1] & 0xff) << 8;
    int next = 0;
    for (int k = 0; k < count.length; k++) {
      if (k == lastByteGroup) {
        next++;
      }
      first[k] = next;
      next += count[k];
    }
  }

  /**
   * Computes the edit script turning {@code old} into {@code neu}.
   *
   * @param sa suffix array of {@code old} (ignored when {@code old} is empty)
   * @param deadlineNanos {@link System#nanoTime()} value after which the scan gives up
   */
  public static DiffScript scan(byte[] old, byte[] neu, int[] sa, long deadlineNanos)
      throws BudgetExceededException {
    return scan(old, neu, sa, CLASSIC_SLACK, deadlineNanos);
  }

  /**
   * As {@link #scan(byte[], byte[], int[], long)} with a different threshold: a new exact match
   * replaces the current alignment only when it is longer than the bytes the current alignment
   * already matches plus {@code slack} (bsdiff uses 8). Larger values give fewer, longer control
   * entries with more diff bytes, which pays once the streams are entropy-coded well.
   */
  public static DiffScript scan(byte[] old, byte[] neu, int[] sa, int slack, long deadlineNanos)
      throws BudgetExceededException {
    return new BsdiffScanner(old, neu, sa, slack, deadlineNanos).run(0, null, true);
  }

  /**
   * The scripts of {@link #scan(byte[], byte[], int[], int, long)} for each of {@code slacks}, in
   * one thread: the longest match at a new-image offset does not depend on the slack, so the scans
   * share their searches (where the new image differs from the old one, a scan searches at almost
   * every offset, and the scans after the first find most of those searches done). The scripts are
   * the ones the separate scans produce.
   */
  public static DiffScript[] scanAll(
      byte[] old, byte[] neu, int[] sa, int[] slacks, long deadlineNanos)
      throws BudgetExceededException {
    return scanAll(old, neu, sa, slacks, deadlineNanos, null);
  }

  /**
   * As {@link #scanAll(byte[], byte[], int[], int[], long)}, with a scan ahead on {@code ahead}
   * when it is not null: a second scanner starts halfway between where the first scan has got and
   * the end of the new image, and fills the shared search results there, without writing a script,
   * until the first scan catches up with it. bsdiff's scan falls back into step after a few matches
   * wherever it starts (its position depends only on the match it is extending), so the first scan
   * finds most of its searches in the second half done. A search's result depends only on its
   * offset, so the scripts are exactly those of separate scans, whichever thread searched first; on
   * an idle core the scan of a large image takes about half the time.
   */
  public static DiffScript[] scanAll(
      byte[] old, byte[] neu, int[] sa, int[] slacks, long deadlineNanos, Executor ahead)
      throws BudgetExceededException {
    BsdiffScanner base = new BsdiffScanner(old, neu, sa, slacks[0], deadlineNanos);
    long[] memo = new long[neu.length];
    AtomicInteger mainAt = new AtomicInteger();
    if (ahead != null && neu.length >= AHEAD_MIN_BYTES && old.length >= 2) {
      BsdiffScanner helper = new BsdiffScanner(base, slacks[0], memo);
      CompletableFuture.runAsync(
          () -> {
            int from = mainAt.getOpaque();
            try {
              helper.run(from + (neu.length - from) / 2, mainAt, false);
            } catch (BudgetExceededException | CancellationException e) {
              // The first scan reports the budget; a cancelled differ wants nothing more.
            }
          },
          ahead);
    }
    DiffScript[] scripts = new DiffScript[slacks.length];
    try {
      scripts[0] = new BsdiffScanner(base, slacks[0], memo).run(0, mainAt, true);
    } finally {
      // Stops the scan ahead if it is still running: the other slacks' scans only read.
      mainAt.setOpaque(Integer.MAX_VALUE);
    }
    for (int i = 1; i < slacks.length; i++) {
      scripts[i] = new BsdiffScanner(base, slacks[i], memo).run(0, null, true);
    }
    return scripts;
  }

  /** {@link #search} through the shared results, when there are any. */
  private int cachedSearch(int from) {
    if (memo == null) {
      return search(neu, from);
    }
    long known = (long) MEMO.getOpaque(memo, from);
    if (known != 0) {
      matchPos = (int) (known >>> 32);
      return (int) known - 1;
    }
    int len = search(neu, from);
    MEMO.setOpaque(memo, from, ((long) matchPos << 32) | (len + 1));
    return len;
  }

  /**
   * Scans from new-image offset {@code start}. The first scan of a {@link #scanAll} publishes how
   * far it has got in {@code progress}; a scan ahead ({@code writeScript} false) follows bsdiff's
   * path without writing a script, only filling the shared search results, and stops where {@code
   * progress} says the first scan has caught up with it.
   */
  private DiffScript run(int start, AtomicInteger progress, boolean writeScript)
      throws BudgetExceededException {
    DiffScript script = new DiffScript();
    int oldSize = old.length;
    int newSize = neu.length;
    if (oldSize == 0) {
      if (newSize > 0) {
        script.add(0, newSize, 0);
      }
      return script;
    }
    int scan = start;
    int len = 0;
    int pos = 0;
    int lastScan = start;
    int lastPos = 0;
    int lastOffset = 0;
    int iterations = 0;
    while (scan < newSize) {
      int oldScore = 0;
      int scsc = scan += len;
      for (; scan < newSize; scan++) {
        if ((++iterations & 0xff) == 0) {
          if (progress != null) {
            if (writeScript) {
              progress.setOpaque(scan);
            } else if (progress.getOpaque() >= scan) {
              return script;
            }
          }
          if ((iterations & 0xfff) == 0) {
            if (System.nanoTime() - deadlineNanos > 0) {
              throw new BudgetExceededException("diff time budget exceeded");
            }
            if (Thread.currentThread().isInterrupted()) {
              // The differ shut its pool down: nobody waits for this script any more.
              throw new CancellationException("scan interrupted");
            }
          }
        }
        len = cachedSearch(scan);
        pos = matchPos;
        for (; scsc < scan + len; scsc++) {
          if (scsc + lastOffset < oldSize && old[scsc + lastOffset] == neu[scsc]) {
            oldScore++;
          }
        }
        if ((len == oldScore && len != 0) || len > oldScore + slack) {
          break;
        }
        if (scan + lastOffset < oldSize && old[scan + lastOffset] == neu[scan]) {
          oldScore--;
        }
      }
      if (!writeScript && (len != oldScore || scan == newSize)) {
        // The path depends only on the offset of the match being extended.
        lastOffset = pos - scan;
        continue;
      }
      if (len != oldScore || scan == newSize) {
        int s = 0;
        int sf = 0;
        int lenF = 0;
        for (int i = 0; lastScan + i < scan && lastPos + i < oldSize; ) {
          if (old[lastPos + i] == neu[lastScan + i]) {
            s++;
          }
          i++;
          if (s * 2 - i > sf * 2 - lenF) {
            sf = s;
            lenF = i;
          }
        }
        int lenB = 0;
        if (scan < newSize) {
          s = 0;
          int sb = 0;
          for (int i = 1; scan >= lastScan + i && pos >= i; i++) {
            if (old[pos - i] == neu[scan - i]) {
              s++;
            }
            if (s * 2 - i > sb * 2 - lenB) {
              sb = s;
              lenB = i;
            }
          }
        }
        if (lastScan + lenF > scan - lenB) {
          int overlap = (lastScan + lenF) - (scan - lenB);
          s = 0;
          int ss = 0;
          int lenS = 0;
          for (int i = 0; i < overlap; i++) {
            if (neu[lastScan + lenF - overlap + i] == old[lastPos + lenF - overlap + i]) {
              s++;
            }
            if (neu[scan - lenB + i] == old[pos - lenB + i]) {
              s--;
            }
            if (s > ss) {
              ss = s;
              lenS = i + 1;
            }
          }
          lenF += lenS - overlap;
          lenB -= lenS;
        }
        int extra = (scan - lenB) - (lastScan + lenF);
        long seek = (long) (pos - lenB) - (lastPos + lenF);
        script.add(lenF, extra, seek);
        lastScan = scan - lenB;
        lastPos = pos - lenB;
        lastOffset = pos - scan;
      }
    }
    return script;
  }

  /** Longest match of {@code neu[from..]} in the old image; the position goes to matchPos. */
  int search(byte[] target, int from) {
    int st = 0;
    int en = sa.length - 1;
    int newLen = target.length - from;
    // Lower bounds of how many leading bytes sa[st] and sa[en] share with the target.
    int lcpSt = 0;
    int lcpEn = 0;
    if (first != null && newLen >= 2) {
      int k = ((target[from] & 0xff) << 8) | (target[from + 1] & 0xff);
      if (count[k] > 0) {
        // Every suffix of the bucket shares the target's first two bytes, so the longest match
        // is at one of the two neighbours of the target's place within it.
        st = first[k];
        en = st + count[k] - 1;
        lcpSt = 2;
        lcpEn = 2;
      }
    }
    while (en - st >= 2) {
      int x = st + (en - st) / 2;
      int o = sa[x];
      int l = Math.min(old.length - o, newLen);
      // In sorted order every suffix between sa[st] and sa[en] shares at least the shorter of
      // their common prefixes with the target: the comparison starts after it.
      int skip = Math.min(lcpSt, lcpEn);
      int m = skip >= l ? -1 : Arrays.mismatch(old, o + skip, o + l, target, from + skip, from + l);
      if (m >= 0 && (old[o + skip + m] & 0xff) < (target[from + skip + m] & 0xff)) {
        st = x;
        lcpSt = skip + m;
      } else {
        en = x;
        lcpEn = m < 0 ? l : skip + m;
      }
    }
    int x = matchLen(sa[st], from, lcpSt);
    int y = matchLen(sa[en], from, lcpEn);
    if (x > y) {
      matchPos = sa[st];
      return x;
    }
    matchPos = sa[en];
    return y;
  }

  /** Where the last {@link #search} found its match. */
  int matchPos() {
    return matchPos;
  }

  /** Bytes {@code old[o..]} shares with {@code neu[from..]}, known to be at least {@code known}. */
  private int matchLen(int o, int from, int known) {
    int l = Math.min(old.length - o, neu.length - from);
    if (known >= l) {
      return l;
    }
    int m = Arrays.mismatch(old, o + known, o + l, neu, from + known, from + l);
    return m < 0 ? l : known + m;
  }
}
