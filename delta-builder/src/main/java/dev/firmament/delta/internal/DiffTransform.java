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
        int w = le(newer, newOff + k) - le(older, oldOff + k);
        put(out, off + k, w);
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
        put(buf, k, le(buf, k) + le(diff, k));
        k += 4;
      } else {
        buf[k] += diff[k];
        k++;
      }
    }
  }

  private static int le(byte[] b, int i) {
    return (b[i] & 0xff)
        | (b[i + 1] & 0xff) << 8
        | (b[i + 2] & 0xff) << 16
        | (b[i + 3] & 0xff) << 24;
  }

  private static void put(byte[] b, int i, int v) {
    b[i] = (byte) v;
    b[i + 1] = (byte) (v >>> 8);
    b[i + 2] = (byte) (v >>> 16);
    b[i + 3] = (byte) (v >>> 24);
  }
}
