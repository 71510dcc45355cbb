package dev.firmament.delta.internal;

import java.util.Arrays;

/**
 * The bsdiff edit script: a list of control entries {@code (diffLen, extraLen, seek)}.
 *
 * <p>Applying an entry at cursor positions {@code (oldPos, newPos)}: the next {@code diffLen} new
 * bytes are {@code old[oldPos + i] + diff[i]} (mod 256), both cursors advance by {@code diffLen};
 * the next {@code extraLen} new bytes are copied verbatim from the extra data; then {@code oldPos}
 * moves by {@code seek} (which may be negative).
 */
public final class DiffScript {
  private int[] diffLen = new int[64];
  private int[] extraLen = new int[64];
  private long[] seek = new long[64];
  private int size;

  public void add(int diff, int extra, long seekBy) {
    if (size == diffLen.length) {
      int cap = size * 2;
      diffLen = Arrays.copyOf(diffLen, cap);
      extraLen = Arrays.copyOf(extraLen, cap);
      seek = Arrays.copyOf(seek, cap);
    }
    diffLen[size] = diff;
    extraLen[size] = extra;
    seek[size] = seekBy;
    size++;
  }

  public int size() {
    return size;
  }

  public int diffLen(int i) {
    return diffLen[i];
  }

  public int extraLen(int i) {
    return extraLen[i];
  }

  public long seek(int i) {
    return seek[i];
  }
}
