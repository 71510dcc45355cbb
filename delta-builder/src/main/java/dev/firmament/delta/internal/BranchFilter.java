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

  /**
   * Minimum density of in-image calls (see {@link #callsInImage}) for {@link #likelyFor} to propose
   * a filter: one per KiB. Code is far above it (one call per 36 to 110 bytes in the firmware we
   * benchmark), random or compressed bytes below: a random window matches the Thumb pattern with
   * probability 1/1024 per halfword and the ARM one with 1/256 per word, and its target then lands
   * in an image of n bytes with probability at most n / 8 MiB (Thumb, ±4 MiB reach) or n / 64 MiB
   * (ARM, ±32 MiB), so random bytes give at most 1/2048 (Thumb) and 1/1024 × n / 64 MiB (ARM)
   * in-image calls per byte.
   */
  public static final double MIN_CALL_DENSITY = 1.0 / 1024;

  /**
   * Number of windows this filter would rewrite whose call target (position after the instruction
   * plus the sign-extended displacement) lies inside the image: 0 for {@link #NONE}. Real code
   * calls functions of the same image; the displacements of random bytes that happen to match the
   * pattern point anywhere in the ±4 MiB (Thumb) or ±32 MiB (ARM) reach.
   */
  public long callsInImage(byte[] image) {
    if (this == NONE) {
      return 0;
    }
    int n = image.length;
    long hits = 0;
    if (this == THUMB_BL) {
      for (int i = 0; i + 4 <= n; i += 2) {
        if ((image[i + 1] & 0xF8) == 0xF0 && (image[i + 3] & 0xF8) == 0xF8) {
          int field =
              ((image[i + 1] & 7) << 19)
                  | ((image[i] & 0xff) << 11)
                  | ((image[i + 3] & 7) << 8)
                  | (image[i + 2] & 0xff);
          long target = i + 4 + 2L * ((field << 10) >> 10);
          if (target >= 0 && target < n) {
            hits++;
          }
        }
      }
    } else {
      for (int i = 0; i + 4 <= n; i += 4) {
        if ((image[i + 3] & 0xff) == 0xEB) {
          int field =
              ((image[i + 2] & 0xff) << 16) | ((image[i + 1] & 0xff) << 8) | (image[i] & 0xff);
          long target = i + 8 + 4L * ((field << 8) >> 8);
          if (target >= 0 && target < n) {
            hits++;
          }
        }
      }
    }
    return hits;
  }

  /**
   * The branch filter most likely to pay on {@code image}, or {@link #NONE}: the one with the most
   * in-image calls ({@link #callsInImage}; Thumb on a tie), provided it is {@link #plausibleFor}
   * the image and its calls reach {@link #MIN_CALL_DENSITY}. Thumb-2 code holds ARM windows (0xEB
   * begins 32-bit data-processing instructions) but few with an in-image target, and the reverse,
   * so the count tells the instruction sets apart; an image with calls of both kinds gets the
   * denser one.
   */
  public static BranchFilter likelyFor(byte[] image) {
    BranchFilter best = NONE;
    long bestCalls = 0;
    for (BranchFilter f : values()) {
      if (f == NONE) {
        continue;
      }
      long calls = f.callsInImage(image);
      if (calls > bestCalls && calls >= MIN_CALL_DENSITY * image.length && f.plausibleFor(image)) {
        best = f;
        bestCalls = calls;
      }
    }
    return best;
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
