package dev.firmament.delta.internal;

/**
 * How diff bytes combine old and new bytes. {@link #BYTES} is bsdiff's byte-wise difference. {@link
 * #WORDS} takes the difference of little-endian 32-bit words for every 4-byte group that is aligned
 * in the new image and lies entirely inside the diff run (remaining bytes stay byte-wise): a moved
 * pointer or literal-pool address then differs by the same constant whatever the carries, which the
 * entropy coder sees as repeats.
 */
public enum DiffTransform {
  BYTES(0),
  WORDS(1);

  private final int id;

  DiffTransform(int id) {
    this.id = id;
  }

  public int id() {
    return id;
  }

  public static DiffTransform byId(int id) {
    return id == 0 ? BYTES : id == 1 ? WORDS : null;
  }

  /**
   * {@code out[0..n) = diff(newer[newOff..], older[oldOff..])} for a run that starts at absolute
   * new position {@code newPos} and is exactly {@code n} bytes long.
   */
  public void subtract(
      byte[] newer, int newOff, byte[] older, int oldOff, int n, long newPos, byte[] out, int off) {
    int k = 0;
    while (k < n) {
      if (this == WORDS && ((newPos + k) & 3) == 0 && k + 4 <= n) {
        int w = BranchFilter.le32(newer, newOff + k) - BranchFilter.le32(older, oldOff + k);
        BranchFilter.putLe32(out, off + k, w);
        k += 4;
      } else {
        out[off + k] = (byte) (newer[newOff + k] - older[oldOff + k]);
        k++;
      }
    }
  }

  /**
   * In place: {@code buf[0..n) = old + diff} for a piece of a run starting at absolute new position
   * {@code newPos}; a piece must begin and end at the run's ends or at 4-aligned positions.
   */
  public void add(byte[] buf, byte[] diff, int n, long newPos) {
    int k = 0;
    while (k < n) {
      if (this == WORDS && ((newPos + k) & 3) == 0 && k + 4 <= n) {
        BranchFilter.putLe32(buf, k, BranchFilter.le32(buf, k) + BranchFilter.le32(diff, k));
        k += 4;
      } else {
        buf[k] += diff[k];
        k++;
      }
    }
  }
}
