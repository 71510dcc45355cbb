package dev.firmament.delta.internal;

/**
 * Reversible branch-address normalisation applied to both images before diffing (the idea of the
 * BCJ filters of xz): the PC-relative displacement of a call instruction is replaced by its
 * absolute target, so that a call whose callee did not move stays byte-identical even when the
 * caller moved. This turns many small differences into long exact matches.
 *
 * <p>Both filters are <em>stateless</em>: every aligned window is converted on its own and the
 * conversion never changes the bits that identify a window as a branch, so the filtered bytes at
 * any position can be computed from a small neighbourhood (random access on the old image) and the
 * inverse can run sequentially with a 3-byte look-ahead.
 */
public enum BranchFilter {
  /** No transformation. */
  NONE(0, 1),
  /**
   * Thumb-2 {@code BL} (32-bit, halfword-aligned): first halfword {@code 11110xxx xxxxxxxx}, second
   * {@code 11111xxx xxxxxxxx}, little-endian. Two candidate windows two bytes apart can never both
   * match (byte 3 of a match has top bits 11111, byte 1 of a match 11110), so windows never
   * overlap.
   */
  THUMB_BL(1, 2),
  /** ARM (A32) {@code BL} with condition AL: word-aligned, top byte {@code 0xEB}, little-endian. */
  ARM_BL(2, 4);

  private final int id;
  private final int alignment;

  BranchFilter(int id, int alignment) {
    this.id = id;
    this.alignment = alignment;
  }

  public int id() {
    return id;
  }

  public static BranchFilter byId(int id) {
    for (BranchFilter f : values()) {
      if (f.id == id) {
        return f;
      }
    }
    return null;
  }

  /**
   * Converts in place every window that starts at an aligned absolute position {@code p} with
   * {@code off <= p - base} and {@code p - base + 4 <= off + len}.
   *
   * @param base absolute image position of {@code buf[0]}
   */
  public void encode(byte[] buf, int off, int len, long base) {
    apply(buf, off, len, base, true);
  }

  /** Inverse of {@link #encode}. */
  public void decode(byte[] buf, int off, int len, long base) {
    apply(buf, off, len, base, false);
  }

  /**
   * Whether the image holds clearly more branch patterns than random bytes would (three times the
   * chance rate), i.e. whether trying this filter can pay.
   */
  public boolean plausibleFor(byte[] image) {
    if (this == NONE) {
      return true;
    }
    long hits = 0;
    for (int i = 0; i + 4 <= image.length; i += alignment) {
      if (this == THUMB_BL
          ? (image[i + 1] & 0xF8) == 0xF0 && (image[i + 3] & 0xF8) == 0xF8
          : (image[i + 3] & 0xff) == 0xEB) {
        hits++;
      }
    }
    double chance = this == THUMB_BL ? image.length / 2.0 / 1024 : image.length / 4.0 / 256;
    return hits > 3 * chance + 8;
  }

  /** Smallest absolute window start that is aligned and {@code >= pos}. */
  public long alignUp(long pos) {
    return (pos + alignment - 1) / alignment * alignment;
  }

  private void apply(byte[] buf, int off, int len, long base, boolean encode) {
    if (this == NONE) {
      return;
    }
    long first = alignUp(base + off);
    int end = off + len;
    for (int i = (int) (first - base); i + 4 <= end; i += alignment) {
      if (this == THUMB_BL) {
        if ((buf[i + 1] & 0xF8) == 0xF0 && (buf[i + 3] & 0xF8) == 0xF8) {
          int src =
              ((buf[i + 1] & 7) << 19)
                  | ((buf[i] & 0xff) << 11)
                  | ((buf[i + 3] & 7) << 8)
                  | (buf[i + 2] & 0xff);
          src <<= 1;
          int here = (int) (base + i + 4);
          int dest = encode ? here + src : src - here;
          dest >>>= 1;
          buf[i + 1] = (byte) (0xF0 | ((dest >>> 19) & 7));
          buf[i] = (byte) (dest >>> 11);
          buf[i + 3] = (byte) (0xF8 | ((dest >>> 8) & 7));
          buf[i + 2] = (byte) dest;
        }
      } else if ((buf[i + 3] & 0xff) == 0xEB) {
        int src = ((buf[i + 2] & 0xff) << 16) | ((buf[i + 1] & 0xff) << 8) | (buf[i] & 0xff);
        src <<= 2;
        int here = (int) (base + i + 8);
        int dest = encode ? here + src : src - here;
        dest >>>= 2;
        buf[i + 2] = (byte) (dest >>> 16);
        buf[i + 1] = (byte) (dest >>> 8);
        buf[i] = (byte) dest;
      }
    }
  }
}
