package dev.firmament.delta.internal;

/**
 * Reversible branch-address normalisation applied to both images before diffing (the idea of the
 * BCJ filters of xz): the PC-relative displacement of a call instruction is replaced by its
 * absolute target, so that a call whose callee did not move stays byte-identical even when the
 * caller moved. This turns many small differences into long exact matches.
 *
 * <p>Two kinds of filter:
 *
 * <ul>
 *   <li><em>Stateless</em> ({@link #THUMB_BL}, {@link #ARM_BL}, {@link #ARM64}): every aligned
 *       4-byte window is converted on its own and the conversion never changes the bits that
 *       identify a window as a branch, so windows never overlap, the filtered bytes at any position
 *       follow from a few bytes around it, and the inverse runs with a 3-byte look-ahead.
 *   <li><em>Sequential</em> ({@link #X86}, {@link #RISCV}): instructions of several lengths, so a
 *       window found at one position decides where the next may start. The image is parsed in
 *       {@link #BLOCK}-byte blocks at absolute positions: each block is scanned from its start, a
 *       converted window is skipped whole and must end inside its block, and the scan restarts at
 *       the next block's start. The conversion keeps the bytes that decide a match (the opcode and
 *       a range marker), so the encoder and the decoder parse the same way, and a read of the old
 *       image at any position needs only the blocks that hold it.
 * </ul>
 *
 * Every conversion is modular arithmetic on the displacement field that keeps the field's identity
 * bits, so {@link #decode} inverts {@link #encode} on any bytes, branches or not.
 */
public enum BranchFilter {
  /** No transformation. */
  NONE(0, 1, false, 1.0) {
    @Override
    int match(byte[] b, int i, int end) {
      return 0;
    }

    @Override
    long target(byte[] b, int i, long pos) {
      return -1;
    }

    @Override
    void convert(byte[] b, int i, long pos, boolean encode) {}
  },
  /**
   * Thumb-2 {@code BL} (32-bit, halfword-aligned): first halfword {@code 11110xxx xxxxxxxx}, second
   * {@code 11111xxx xxxxxxxx}, little-endian. Two candidate windows two bytes apart can never both
   * match (byte 3 of a match has top bits 11111, byte 1 of a match 11110), so windows never
   * overlap.
   */
  THUMB_BL(1, 2, false, 1.0 / 2048) {
    @Override
    int match(byte[] b, int i, int end) {
      return i + 4 <= end && (b[i + 1] & 0xF8) == 0xF0 && (b[i + 3] & 0xF8) == 0xF8 ? 4 : 0;
    }

    private static int field(byte[] b, int i) {
      return ((b[i + 1] & 7) << 19)
          | ((b[i] & 0xff) << 11)
          | ((b[i + 3] & 7) << 8)
          | (b[i + 2] & 0xff);
    }

    @Override
    long target(byte[] b, int i, long pos) {
      return pos + 4 + 2L * ((field(b, i) << 10) >> 10);
    }

    @Override
    void convert(byte[] b, int i, long pos, boolean encode) {
      int src = field(b, i) << 1;
      int here = (int) (pos + 4);
      int dest = (encode ? here + src : src - here) >>> 1;
      b[i + 1] = (byte) (0xF0 | ((dest >>> 19) & 7));
      b[i] = (byte) (dest >>> 11);
      b[i + 3] = (byte) (0xF8 | ((dest >>> 8) & 7));
      b[i + 2] = (byte) dest;
    }
  },
  /** ARM (A32) {@code BL} with condition AL: word-aligned, top byte {@code 0xEB}, little-endian. */
  ARM_BL(2, 4, false, 1.0 / 1024) {
    @Override
    int match(byte[] b, int i, int end) {
      return i + 4 <= end && (b[i + 3] & 0xff) == 0xEB ? 4 : 0;
    }

    private static int field(byte[] b, int i) {
      return ((b[i + 2] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i] & 0xff);
    }

    @Override
    long target(byte[] b, int i, long pos) {
      return pos + 8 + 4L * ((field(b, i) << 8) >> 8);
    }

    @Override
    void convert(byte[] b, int i, long pos, boolean encode) {
      int src = field(b, i) << 2;
      int here = (int) (pos + 8);
      int dest = (encode ? here + src : src - here) >>> 2;
      b[i + 2] = (byte) (dest >>> 16);
      b[i + 1] = (byte) (dest >>> 8);
      b[i] = (byte) dest;
    }
  },
  /**
   * AArch64 {@code BL} (top six bits {@code 100101}, 26-bit word displacement) and {@code ADRP}
   * ({@code 1xx10000} in the top byte, 21-bit page displacement split in two fields). An ADRP is
   * converted only when its displacement is within ±512 MiB (fits 18 signed bits), and its result
   * is kept in that range (reduced modulo 2^18 and sign-filled), so the range test, too, reads the
   * same before and after conversion: data words that look like ADRP with far targets stay as they
   * are. Pages count from the image's start, which links put on a page boundary.
   */
  ARM64(3, 4, false, (1.0 / 64 + 1.0 / 512) / 4) {
    @Override
    int match(byte[] b, int i, int end) {
      if (i + 4 > end) {
        return 0;
      }
      int insn = le32(b, i);
      if ((insn >>> 26) == 0x25) {
        return 4;
      }
      return (insn & 0x9F000000) == 0x90000000 && nearPage(adrpField(insn)) ? 4 : 0;
    }

    private static int adrpField(int insn) {
      return ((insn >>> 29) & 3) | (((insn >>> 5) & 0x7FFFF) << 2);
    }

    /** Whether a 21-bit page displacement fits 18 signed bits (bits 20..17 all equal). */
    private static boolean nearPage(int field) {
      return ((field + 0x20000) & 0x1C0000) == 0;
    }

    @Override
    long target(byte[] b, int i, long pos) {
      int insn = le32(b, i);
      if ((insn >>> 26) == 0x25) {
        return pos + 4L * ((insn << 6) >> 6);
      }
      return ((pos >>> 12) + ((adrpField(insn) << 11) >> 11)) << 12;
    }

    @Override
    void convert(byte[] b, int i, long pos, boolean encode) {
      int insn = le32(b, i);
      if ((insn >>> 26) == 0x25) {
        int here = (int) (pos >>> 2);
        int src = insn & 0x03FFFFFF;
        int dest = encode ? src + here : src - here;
        putLe32(b, i, 0x94000000 | (dest & 0x03FFFFFF));
      } else {
        int page = (int) (pos >>> 12);
        int src = adrpField(insn);
        int dest = encode ? src + page : src - page;
        dest = ((dest << 14) >> 14) & 0x1FFFFF;
        putLe32(b, i, (insn & 0x9F00001F) | ((dest & 3) << 29) | ((dest >>> 2) << 5));
      }
    }
  },
  /**
   * x86 and x86-64 {@code CALL rel32} ({@code E8}), {@code CALL} and {@code JMP} through a
   * RIP-relative pointer ({@code FF 15} and {@code FF 25}, then disp32: calls through the global
   * offset table, as position-independent code makes them) and, on x86-64, RIP-relative {@code MOV}
   * and {@code LEA} with a REX prefix ({@code 4x 89|8B|8D} with ModRM {@code 00 reg 101}, then
   * disp32), whose displacement reaches at most ±16 MiB (top byte {@code 00} or {@code FF}); the
   * absolute target is kept in that range (modulo 2^25, sign-filled), so the top byte still reads
   * {@code 00} or {@code FF} after conversion. {@code JMP rel32} is left relative: it mostly jumps
   * within a function, which moves as a whole (converting it made the Rollup x86-64 patches 3%
   * larger).
   *
   * <p>Sequential: an {@code E8} claims the four bytes after it, {@code FF 15} and {@code FF 25}
   * the four after them, a REX prefix followed by one of those opcodes (two bytes no later window
   * can change) the ModRM byte and, when it is RIP-relative, the displacement; claimed bytes are
   * skipped whether or not they are converted.
   */
  X86(4, 1, true, 1.0 / 256 * 2.0 / 256) {
    @Override
    int match(byte[] b, int i, int end) {
      int op = b[i] & 0xff;
      if (op == 0xE8) {
        return i + 5 <= end ? 5 : 0;
      }
      if (op == 0xFF && i + 6 <= end) {
        int modRm = b[i + 1] & 0xff;
        return modRm == 0x15 || modRm == 0x25 ? 6 : 0;
      }
      if ((op & 0xF0) == 0x40 && i + 7 <= end && ((b[i + 1] & 0xff) | 6) == 0x8F) {
        return (b[i + 2] & 0xC7) == 0x05 ? 7 : 3;
      }
      return 0;
    }

    /** Length of the window at {@code b[i]}, which {@link #match} claimed. */
    private static int length(byte[] b, int i) {
      return switch (b[i] & 0xff) {
        case 0xE8 -> 5;
        case 0xFF -> 6;
        default -> 7;
      };
    }

    @Override
    boolean convertible(byte[] b, int i) {
      int len = length(b, i);
      if (len == 7 && (b[i + 2] & 0xC7) != 0x05) {
        return false;
      }
      int top = b[i + len - 1] & 0xff;
      return top == 0 || top == 0xFF;
    }

    @Override
    long target(byte[] b, int i, long pos) {
      int len = length(b, i);
      return pos + len + le32(b, i + len - 4);
    }

    @Override
    void convert(byte[] b, int i, long pos, boolean encode) {
      int len = length(b, i);
      int here = (int) (pos + len);
      int src = le32(b, i + len - 4);
      int dest = encode ? src + here : src - here;
      putLe32(b, i + len - 4, (dest << 7) >> 7);
    }
  },
  /**
   * RISC-V calls through the return-address register, {@code JAL ra} (low twelve bits {@code
   * 0x0EF}, 21-bit displacement), and PC-relative pairs {@code AUIPC rd} followed by an I-type
   * instruction whose base is {@code rd}: {@code ADDI rd, rd} (an address), {@code JALR} (a call or
   * tail call) or a load. The pair's two immediates add up to a 32-bit displacement; the pair is
   * rewritten as the same split of the absolute target (upper part rounded so that the lower is a
   * signed 12-bit value). Halfword steps, as compressed instructions allow. Sequential: {@code JAL
   * ra} claims its four bytes, an {@code AUIPC} eight (converted only when such an instruction
   * follows).
   */
  RISCV(5, 2, true, 1.0 / 8192 + 1.25 / (2.0 * 128 * 128 * 32)) {
    @Override
    int match(byte[] b, int i, int end) {
      if (i + 4 > end) {
        return 0;
      }
      int op = b[i] & 0xff;
      if (op == 0xEF && (b[i + 1] & 0x0F) == 0) {
        return 4;
      }
      return (op & 0x7F) == 0x17 && i + 8 <= end ? 8 : 0;
    }

    @Override
    boolean convertible(byte[] b, int i) {
      if ((b[i] & 0xff) == 0xEF) {
        return true;
      }
      int rd = (le32(b, i) >>> 7) & 0x1F;
      int next = le32(b, i + 4);
      int opcode = next & 0x7F;
      int funct3 = (next >>> 12) & 7;
      boolean pairs = opcode == 0x03 || ((opcode == 0x13 || opcode == 0x67) && funct3 == 0);
      return pairs && ((next >>> 15) & 0x1F) == rd;
    }

    private static int jalField(int insn) {
      int imm =
          ((insn >>> 31) << 20)
              | (((insn >>> 21) & 0x3FF) << 1)
              | (((insn >>> 20) & 1) << 11)
              | (((insn >>> 12) & 0xFF) << 12);
      return (imm << 11) >> 11;
    }

    @Override
    long target(byte[] b, int i, long pos) {
      int insn = le32(b, i);
      if ((insn & 0xFF) == 0xEF) {
        return pos + jalField(insn);
      }
      return pos + (insn & 0xFFFFF000) + (le32(b, i + 4) >> 20);
    }

    @Override
    void convert(byte[] b, int i, long pos, boolean encode) {
      int insn = le32(b, i);
      int here = (int) pos;
      if ((insn & 0xFF) == 0xEF) {
        int src = jalField(insn);
        int d = encode ? src + here : src - here;
        putLe32(
            b,
            i,
            (insn & 0xFFF)
                | (((d >>> 20) & 1) << 31)
                | (((d >>> 1) & 0x3FF) << 21)
                | (((d >>> 11) & 1) << 20)
                | (((d >>> 12) & 0xFF) << 12));
      } else {
        int next = le32(b, i + 4);
        int src = (insn & 0xFFFFF000) + (next >> 20);
        int d = encode ? src + here : src - here;
        int hi = (d + 0x800) & 0xFFFFF000;
        putLe32(b, i, (insn & 0xFFF) | hi);
        putLe32(b, i + 4, (next & 0xFFFFF) | ((d - hi) << 20));
      }
    }
  },
  /**
   * Xtensa windowed calls, {@code CALL4}, {@code CALL8} and {@code CALL12} (little-endian, 24-bit:
   * {@code op0 = 5} in bits 0-3, the window increment {@code n} of 1 to 3 in bits 4-5, a signed
   * 18-bit word offset in bits 6-23; the callee is at {@code (p & ~3) + 4 + 4 * offset}), as the
   * ESP32 family's code makes them. Instructions are 3 bytes, or 2 when {@code op0} is 8 to 13 (the
   * density option's narrow forms), so the filter is sequential and claims every instruction by its
   * first byte; the conversion keeps that byte's low six bits, which decide both the length and
   * whether the instruction is a windowed call. {@code CALL0} (the ESP8266's call0 ABI) is left
   * alone: converting it made that pair's patch 7% larger, and its callees carry no sign that tells
   * real calls from data. A windowed call's callee begins with {@code ENTRY} (first byte {@code
   * 0x36}); {@link #target} counts only those, and random bytes hit one in 256.
   */
  XTENSA(6, 1, true, 3.0 / 64 / 2.625 / 256) {
    @Override
    int match(byte[] b, int i, int end) {
      int op0 = b[i] & 0x0F;
      int len = op0 >= 8 && op0 <= 13 ? 2 : 3;
      return i + len <= end ? len : 0;
    }

    @Override
    boolean convertible(byte[] b, int i) {
      return (b[i] & 0x0F) == 5 && (b[i] & 0x30) != 0;
    }

    private static int offset(byte[] b, int i) {
      int w = (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16;
      return (w << 8) >> 14;
    }

    @Override
    long target(byte[] b, int i, long pos) {
      long callee = (pos & ~3L) + 4 + 4L * offset(b, i);
      long at = i + (callee - pos);
      return at >= 0 && at < b.length && b[(int) at] == 0x36 ? callee : -1;
    }

    @Override
    void convert(byte[] b, int i, long pos, boolean encode) {
      int here = (int) (pos >>> 2) + 1;
      int src = offset(b, i);
      int dest = (encode ? src + here : src - here) & 0x3FFFF;
      b[i] = (byte) ((b[i] & 0x3F) | (dest << 6));
      b[i + 1] = (byte) (dest >>> 2);
      b[i + 2] = (byte) (dest >>> 10);
    }

    /**
     * The windowed-call pattern alone is as frequent in random bytes as in code (3 first bytes in
     * 64), so plausibility counts the calls whose callee begins with {@code ENTRY}.
     */
    @Override
    public boolean plausibleFor(byte[] image) {
      return callsInImage(image) > 3 * chancePerByte() * image.length + 8;
    }
  };

  /** Parse block of the sequential filters, at absolute image positions. */
  public static final int BLOCK = 1024;

  private final int id;
  private final int alignment;
  private final boolean sequential;
  private final double chancePerByte;

  BranchFilter(int id, int alignment, boolean sequential, double chancePerByte) {
    this.id = id;
    this.alignment = alignment;
    this.sequential = sequential;
    this.chancePerByte = chancePerByte;
  }

  /**
   * Length of the convertible window starting at {@code b[i]} if it lies in {@code b[..end)}, else
   * 0.
   */
  abstract int match(byte[] b, int i, int end);

  /**
   * Whether the window {@link #match} claimed at {@code b[i]} is converted. A sequential filter
   * claims a window by its first bytes alone (which no later window can change) and skips it whole
   * either way; this test reads the rest of the window, which only its own conversion changes and
   * which that conversion keeps convertible. Without this split, converting a later window could
   * make an earlier, unconverted one look convertible to the decoder.
   */
  boolean convertible(byte[] b, int i) {
    return true;
  }

  /**
   * Absolute target of the (unconverted) window at {@code b[i]}, which sits at image {@code pos}.
   */
  abstract long target(byte[] b, int i, long pos);

  /** Converts the window at {@code b[i]}, which sits at image position {@code pos}. */
  abstract void convert(byte[] b, int i, long pos, boolean encode);

  public int id() {
    return id;
  }

  /** How often a random byte starts a window this filter converts (plausibility's yardstick). */
  double chancePerByte() {
    return chancePerByte;
  }

  /** Whether windows are found by a parse of {@link #BLOCK}-byte blocks (see the class comment). */
  public boolean sequential() {
    return sequential;
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
   * Converts in place every window of {@code buf[off..off+len)}, whose first byte sits at absolute
   * image position {@code base + off}. A stateless filter converts the aligned windows that lie
   * wholly inside the range; a sequential one parses the range block by block, so the range must
   * start at a block boundary and end at one or at the end of the image.
   *
   * @param base absolute image position of {@code buf[0]}
   */
  public void encode(byte[] buf, int off, int len, long base) {
    apply(buf, off, len, base, true);
  }

  /** Inverse of {@link #encode}, with the same contract. */
  public void decode(byte[] buf, int off, int len, long base) {
    apply(buf, off, len, base, false);
  }

  /**
   * First absolute position whose bytes are needed to filter the bytes at {@code pos}: a few bytes
   * before it for a stateless filter, the start of its block for a sequential one.
   */
  public long contextStart(long pos) {
    return sequential ? pos / BLOCK * BLOCK : Math.max(0, (pos - 4) & ~3L);
  }

  /**
   * End (exclusive) of the bytes needed to filter the bytes before {@code end}, in an image of
   * {@code size} bytes.
   */
  public long contextEnd(long end, long size) {
    return Math.min(size, sequential ? (end + BLOCK - 1) / BLOCK * BLOCK : end + 4);
  }

  /**
   * How many bytes of {@code buf[0..fill)} (starting at absolute position {@code base}) a streaming
   * decoder can emit before more bytes arrive: no window starting before that point reaches past
   * {@code fill}. The decoder decodes {@code buf[0..decodeLen)} with {@code decodeLen = min(fill,
   * emit + 3)} for a stateless filter, exactly {@code emit} bytes for a sequential one.
   */
  public int emittable(long base, int fill) {
    if (this == NONE) {
      return fill;
    }
    if (sequential) {
      return (int) ((base + fill) / BLOCK * BLOCK - base);
    }
    long firstOpen = (base + fill - 3 + alignment - 1) / alignment * alignment;
    return (int) Math.max(0, firstOpen - base);
  }

  /**
   * Whether the image holds clearly more windows than random bytes would (three times the chance
   * rate), i.e. whether trying this filter can pay.
   */
  public boolean plausibleFor(byte[] image) {
    if (this == NONE) {
      return true;
    }
    long[] hits = new long[1];
    visit(image, 0, image.length, 0, (i, pos) -> hits[0]++);
    return hits[0] > 3 * chancePerByte * image.length + 8;
  }

  /**
   * Minimum density of in-image calls (see {@link #callsInImage}) for {@link #likelyFor} to propose
   * a filter: one per KiB. Code is far above it (one call per 36 to 110 bytes in the firmware we
   * benchmark), random or compressed bytes below: a random window matches a pattern with
   * probability at most 1/1024 per halfword (Thumb), 1/256 per word (ARM), 1/50 per word (AArch64),
   * 1/16384 per byte (x86) or 1/4096 per halfword (RISC-V), and its target then lands in an image
   * of n bytes only with probability n over the instruction's reach (±4 MiB Thumb, ±32 MiB ARM,
   * ±128 MiB AArch64 calls, ±16 MiB x86, ±1 MiB or ±2 GiB RISC-V), well under one per KiB for the
   * images we handle.
   */
  public static final double MIN_CALL_DENSITY = 1.0 / 1024;

  /**
   * Number of windows this filter would rewrite whose call target (as the instruction computes it)
   * lies inside the image: 0 for {@link #NONE}. Real code calls functions of the same image; the
   * displacements of random bytes that happen to match the pattern point anywhere in the reach.
   */
  public long callsInImage(byte[] image) {
    return callsInRange(image, 0, image.length);
  }

  /**
   * Number of windows in {@code image[off..off+len)} that this filter would rewrite and whose call
   * target lies inside the whole image ({@link #callsInImage} restricted to a range; a sequential
   * filter's range must start on a block).
   */
  public long callsInRange(byte[] image, int off, int len) {
    if (this == NONE) {
      return 0;
    }
    int n = image.length;
    long[] hits = new long[1];
    visit(
        image,
        off,
        len,
        0,
        (i, pos) -> {
          long t = target(image, i, pos);
          if (t >= 0 && t < n) {
            hits[0]++;
          }
        });
    return hits[0];
  }

  /**
   * The branch filter most likely to pay on {@code image}, or {@link #NONE}: the one with the most
   * in-image calls ({@link #callsInImage}; the earlier filter on a tie), provided it is {@link
   * #plausibleFor} the image and its calls reach {@link #MIN_CALL_DENSITY}. Thumb-2 code holds ARM
   * windows (0xEB begins 32-bit data-processing instructions) but few with an in-image target, and
   * the reverse, so the count tells the instruction sets apart; an image with calls of several
   * kinds gets the densest.
   */
  public static BranchFilter likelyFor(byte[] image) {
    return strongest(image).filter();
  }

  /** A filter {@link #likelyFor} an image, with the in-image calls it found there. */
  public record Likely(BranchFilter filter, long calls) {}

  /** {@link #likelyFor} with its count of in-image calls (0 for {@link #NONE}). */
  public static Likely strongest(byte[] image) {
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
    return new Likely(best, best == NONE ? 0 : bestCalls);
  }

  private interface Visitor {
    void window(int i, long pos);
  }

  /**
   * Calls {@code v} for every window the filter would convert in {@code buf[off..off+len)}, in
   * order; the visitor may convert the window.
   */
  private void visit(byte[] buf, int off, int len, long base, Visitor v) {
    int end = off + len;
    if (!sequential) {
      long first = (base + off + alignment - 1) / alignment * alignment;
      for (int i = (int) (first - base); i + 4 <= end; i += alignment) {
        if (match(buf, i, end) > 0 && convertible(buf, i)) {
          v.window(i, base + i);
        }
      }
      return;
    }
    if ((base + off) % BLOCK != 0) {
      throw new IllegalArgumentException("a sequential filter's range must start on a block");
    }
    for (int block = off; block < end; block += BLOCK) {
      int blockEnd = Math.min(end, block + BLOCK);
      int i = block;
      while (i < blockEnd) {
        int m = match(buf, i, blockEnd);
        if (m > 0) {
          if (convertible(buf, i)) {
            v.window(i, base + i);
          }
          i += m;
        } else {
          i += alignment;
        }
      }
    }
  }

  private void apply(byte[] buf, int off, int len, long base, boolean encode) {
    if (this == NONE) {
      return;
    }
    // Converting a window never changes whether it (or, for a sequential filter, the parse
    // after it) matches, so converting during the visit is safe.
    visit(buf, off, len, base, (i, pos) -> convert(buf, i, pos, encode));
  }

  public static int le32(byte[] b, int i) {
    return (b[i] & 0xff)
        | (b[i + 1] & 0xff) << 8
        | (b[i + 2] & 0xff) << 16
        | (b[i + 3] & 0xff) << 24;
  }

  public static void putLe32(byte[] b, int i, int v) {
    b[i] = (byte) v;
    b[i + 1] = (byte) (v >>> 8);
    b[i + 2] = (byte) (v >>> 16);
    b[i + 3] = (byte) (v >>> 24);
  }
}
