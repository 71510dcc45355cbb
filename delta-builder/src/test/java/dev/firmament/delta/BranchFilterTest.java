package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.FilteredOldImage;
import dev.firmament.delta.internal.UnfilterOutputStream;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BranchFilterTest {

  /**
   * Random bytes dense with the patterns of every filter, overlapping each other: Thumb and ARM
   * calls, AArch64 BL and ADRP (near and far), x86 E8/E9 with near and far displacements, RISC-V
   * JAL ra and AUIPC ra with and without the JALR.
   */
  static byte[] branchy(Random r, int n) {
    byte[] b = TestData.random(r, n);
    for (int i = 0; i + 8 <= n; i += 2) {
      switch (r.nextInt(14)) {
        case 0 -> {
          b[i + 1] = (byte) (0xF0 | (b[i + 1] & 7));
          b[i + 3] = (byte) (0xF8 | (b[i + 3] & 7));
        }
        case 1 -> b[i + 3] = (byte) 0xEB;
        case 2 -> b[i + 3] = (byte) (0x94 | (b[i + 3] & 3));
        case 3 -> {
          b[i + 3] = (byte) (0x90 | (b[i + 3] & 0x60) | 0x80);
          b[i + 2] = (byte) (r.nextBoolean() ? 0 : 0xFF);
        }
        case 4 -> {
          b[i] = (byte) (0xE8 | r.nextInt(2));
          b[i + 4] = (byte) (r.nextInt(3) == 0 ? 0x12 : r.nextBoolean() ? 0 : 0xFF);
        }
        case 5 -> {
          b[i] = (byte) 0xEF;
          b[i + 1] = (byte) (b[i + 1] & 0xF0);
        }
        case 6 -> {
          b[i] = (byte) 0x97;
          b[i + 1] = (byte) (b[i + 1] & 0xF0);
          if (r.nextInt(3) > 0) {
            b[i + 4] = (byte) 0xE7;
            b[i + 5] = (byte) 0x80;
            b[i + 6] = (byte) (b[i + 6] & 0xF0);
          }
        }
        default -> {}
      }
    }
    return b;
  }

  /**
   * Thumb-2-like code: 16-bit instructions, BL calls to halfword-aligned targets inside the image
   * (one window in 12), and 32-bit data-processing instructions whose first halfword is {@code
   * 0xEBxx}, so the ARM pattern (0xEB at byte 3 of a word) is frequent too, as in real Thumb-2
   * code.
   */
  static byte[] thumbLike(Random r, int n) {
    byte[] b = new byte[n];
    int p = 0;
    while (p + 4 <= n) {
      int k = r.nextInt(24);
      if (k < 2) {
        int off = (r.nextInt(n / 2) * 2 - (p + 4)) / 2;
        b[p] = (byte) (off >>> 11);
        b[p + 1] = (byte) (0xF0 | ((off >>> 19) & 7));
        b[p + 2] = (byte) off;
        b[p + 3] = (byte) (0xF8 | ((off >>> 8) & 7));
        p += 4;
      } else if (k < 5) {
        b[p] = (byte) r.nextInt(256);
        b[p + 1] = (byte) 0xEB;
        b[p + 2] = (byte) r.nextInt(256);
        b[p + 3] = (byte) r.nextInt(0x80);
        p += 4;
      } else {
        b[p] = (byte) r.nextInt(256);
        b[p + 1] = (byte) r.nextInt(0xE0);
        p += 2;
      }
    }
    return b;
  }

  /** ARM-like code: words with condition AL, one in 10 a BL to a word inside the image. */
  static byte[] armLike(Random r, int n) {
    byte[] b = new byte[n];
    for (int p = 0; p + 4 <= n; p += 4) {
      if (r.nextInt(10) == 0) {
        int off = (r.nextInt(n / 4) * 4 - (p + 8)) / 4;
        b[p] = (byte) off;
        b[p + 1] = (byte) (off >>> 8);
        b[p + 2] = (byte) (off >>> 16);
        b[p + 3] = (byte) 0xEB;
      } else {
        b[p] = (byte) r.nextInt(256);
        b[p + 1] = (byte) r.nextInt(256);
        b[p + 2] = (byte) r.nextInt(256);
        b[p + 3] = (byte) (0xE0 + r.nextInt(11));
      }
    }
    return b;
  }

  /** AArch64-like code: random words, one in 10 a BL to a word inside the image. */
  static byte[] arm64Like(Random r, int n) {
    byte[] b = TestData.random(r, n);
    for (int p = 0; p + 4 <= n; p += 4) {
      if (r.nextInt(10) == 0) {
        int words = r.nextInt(n / 4) - p / 4;
        BranchFilter.putLe32(b, p, 0x94000000 | (words & 0x03FFFFFF));
      }
    }
    return b;
  }

  /** x86-like code: random instructions of 1 to 6 bytes, one in 12 a call into the image. */
  static byte[] x86Like(Random r, int n) {
    byte[] b = new byte[n];
    int p = 0;
    while (p + 5 <= n) {
      if (r.nextInt(12) == 0) {
        b[p] = (byte) 0xE8;
        BranchFilter.putLe32(b, p + 1, r.nextInt(n) - (p + 5));
        p += 5;
      } else {
        int len = 1 + r.nextInt(6);
        for (int k = 0; k < len && p < n; k++) {
          b[p++] = (byte) r.nextInt(256);
        }
      }
    }
    return b;
  }

  /** RISC-V-like code: random 32-bit instructions, one in 10 a JAL ra into the image. */
  static byte[] riscvLike(Random r, int n) {
    byte[] b = new byte[n];
    for (int p = 0; p + 4 <= n; p += 4) {
      if (r.nextInt(10) == 0) {
        int d = (r.nextInt(n / 2) * 2 - p) & 0x1FFFFF;
        BranchFilter.putLe32(
            b,
            p,
            0xEF
                | (((d >>> 20) & 1) << 31)
                | (((d >>> 1) & 0x3FF) << 21)
                | (((d >>> 11) & 1) << 20)
                | (((d >>> 12) & 0xFF) << 12));
      } else {
        BranchFilter.putLe32(b, p, r.nextInt() | 3);
      }
    }
    return b;
  }

  /**
   * Xtensa-like code (windowed ABI): functions every 48 to 96 bytes, 4-byte aligned, each starting
   * with {@code ENTRY} (first byte 0x36); random 2- and 3-byte instructions, one in 8 a {@code
   * CALL8} to a function of the image.
   */
  static byte[] xtensaLike(Random r, int n) {
    byte[] b = new byte[n];
    List<Integer> entries = new ArrayList<>();
    for (int f = 0; f + 3 <= n; f += 48 + 4 * r.nextInt(13)) {
      entries.add(f);
    }
    int next = 0;
    for (int p = 0; p + 3 <= n; ) {
      if (next < entries.size() && p >= entries.get(next)) {
        p = entries.get(next++);
        b[p] = 0x36;
        b[p + 1] = (byte) r.nextInt(256);
        b[p + 2] = (byte) r.nextInt(256);
        p += 3;
      } else if (r.nextInt(8) == 0) {
        int callee = entries.get(r.nextInt(entries.size()));
        int off = (callee - ((p & ~3) + 4)) >> 2;
        int w = 0x25 | ((off & 0x3FFFF) << 6);
        b[p] = (byte) w;
        b[p + 1] = (byte) (w >>> 8);
        b[p + 2] = (byte) (w >>> 16);
        p += 3;
      } else if (r.nextBoolean()) {
        b[p] = (byte) (0x08 + r.nextInt(6) | r.nextInt(16) << 4);
        b[p + 1] = (byte) r.nextInt(256);
        p += 2;
      } else {
        int op0 = r.nextInt(7);
        b[p] = (byte) ((op0 >= 5 ? op0 + 1 : op0) | r.nextInt(16) << 4);
        b[p + 1] = (byte) r.nextInt(256);
        b[p + 2] = (byte) r.nextInt(256);
        p += 3;
      }
    }
    return b;
  }

  @Test
  void likelyFilterFindsEachInstructionSetsCalls() {
    Random r = new Random(24);
    for (int n : new int[] {16 * 1024, 256 * 1024, 1 << 20}) {
      assertThat(BranchFilter.likelyFor(arm64Like(r, n)))
          .as("arm64 %d", n)
          .isEqualTo(BranchFilter.ARM64);
      assertThat(BranchFilter.likelyFor(x86Like(r, n))).as("x86 %d", n).isEqualTo(BranchFilter.X86);
      assertThat(BranchFilter.likelyFor(riscvLike(r, n)))
          .as("riscv %d", n)
          .isEqualTo(BranchFilter.RISCV);
      assertThat(BranchFilter.likelyFor(xtensaLike(r, n)))
          .as("xtensa %d", n)
          .isEqualTo(BranchFilter.XTENSA);
    }
    // A few of each are not enough (below one call per KiB).
    byte[] sparse = new byte[1 << 20];
    System.arraycopy(x86Like(r, 4096), 0, sparse, 0, 4096);
    assertThat(BranchFilter.X86.callsInImage(sparse)).isPositive();
    assertThat(BranchFilter.likelyFor(sparse)).isEqualTo(BranchFilter.NONE);
  }

  @Test
  void callsInImageOfTheNewFiltersUseEachInstructionsTarget() {
    // A 64-byte image; each filter's windows aim at 0 (inside), at the image's size (outside)
    // or before it (outside).
    // AArch64: BL at 8 to 0 (-2 words) and at 12 to 64 (+13 words); ADRP at 16 to page 0 (inside)
    // and to page 1 (outside: the image is 64 bytes).
    byte[] arm64 = new byte[64];
    System.arraycopy(words(0x97FFFFFE, 0x9400000D, 0x90000000, 0xB0000000), 0, arm64, 8, 16);
    assertThat(BranchFilter.ARM64.callsInImage(arm64)).isEqualTo(2);
    // x86: call at 0 to 0 (-5), call at 5 to 64 (+54); lea at 10 to 0 (-17), lea at 17 to 63.
    byte[] x86 = new byte[64];
    System.arraycopy(hex("E8 FBFFFFFF E8 36000000 488D05 EFFFFFFF 488D05 21000000"), 0, x86, 0, 24);
    assertThat(BranchFilter.X86.callsInImage(x86)).isEqualTo(3);
    // RISC-V: JAL ra at 0 to 0, JAL ra at 4 to 64 (+60); AUIPC ra + JALR ra at 8 to 0 (-8) and at
    // 16 to 64 (+48), both ending exactly at a range end in the second image below.
    byte[] riscv = new byte[64];
    System.arraycopy(
        words(0x000000EF, 0x03C000EF, 0x00000097, 0xFF8080E7, 0x00000097, 0x030080E7),
        0,
        riscv,
        0,
        24);
    assertThat(BranchFilter.RISCV.callsInImage(riscv)).isEqualTo(2);
    // In an 8 KiB image: JAL ra at 8 to 48 (+40), AUIPC a0 + ADDI a0, a0 at 16 to 56 (+40) and
    // at 24 to 0x828 (0x1000 - 0x7F0); computed the other way round, each would point outside.
    byte[] riscvFar = new byte[8192];
    System.arraycopy(
        words(0x028000EF, 0x00000013, 0x00000517, 0x02850513, 0x00001517, 0x81050513),
        0,
        riscvFar,
        8,
        24);
    assertThat(BranchFilter.RISCV.callsInImage(riscvFar)).isEqualTo(3);
    // Windows that end exactly at the end of the image are still converted.
    byte[] tail = words(0x00000097, 0x030080E7);
    BranchFilter.RISCV.encode(tail, 0, tail.length, BranchFilter.BLOCK);
    assertThat(tail).isNotEqualTo(words(0x00000097, 0x030080E7));
    byte[] jal = words(0x03C000EF);
    BranchFilter.RISCV.encode(jal, 0, jal.length, BranchFilter.BLOCK);
    assertThat(jal).isNotEqualTo(words(0x03C000EF));
  }

  @ParameterizedTest
  @EnumSource(BranchFilter.class)
  void onlyCodeOfTheFiltersSetIsPlausible(BranchFilter f) {
    Random r = new Random(25);
    byte[] random = TestData.random(r, 256 * 1024);
    assertThat(f.plausibleFor(random)).isEqualTo(f == BranchFilter.NONE);
    byte[] code =
        switch (f) {
          case NONE -> random;
          case THUMB_BL -> thumbLike(r, 256 * 1024);
          case ARM_BL -> armLike(r, 256 * 1024);
          case ARM64 -> arm64Like(r, 256 * 1024);
          case X86 -> x86Like(r, 256 * 1024);
          case RISCV -> riscvLike(r, 256 * 1024);
          case XTENSA -> xtensaLike(r, 256 * 1024);
        };
    assertThat(f.plausibleFor(code)).isTrue();
  }

  @Test
  void likelyFilterFollowsTheInstructionSet() {
    Random r = new Random(21);
    for (int n : new int[] {16 * 1024, 256 * 1024, 1 << 20}) {
      byte[] thumb = thumbLike(r, n);
      // The ARM pattern is frequent in Thumb-2 code (plausible by the pattern count alone), but
      // its targets rarely land in the image.
      assertThat(BranchFilter.ARM_BL.plausibleFor(thumb)).isTrue();
      assertThat(BranchFilter.likelyFor(thumb)).as("thumb %d", n).isEqualTo(BranchFilter.THUMB_BL);
      assertThat(BranchFilter.likelyFor(armLike(r, n)))
          .as("arm %d", n)
          .isEqualTo(BranchFilter.ARM_BL);
      assertThat(BranchFilter.likelyFor(TestData.random(r, n)))
          .as("random %d", n)
          .isEqualTo(BranchFilter.NONE);
      assertThat(BranchFilter.likelyFor(TestData.codeLike(r, n)))
          .as("code-like words without calls %d", n)
          .isEqualTo(BranchFilter.NONE);
    }
    assertThat(BranchFilter.likelyFor(new byte[0])).isEqualTo(BranchFilter.NONE);
    assertThat(BranchFilter.likelyFor(new byte[3])).isEqualTo(BranchFilter.NONE);
  }

  @Test
  void mixedImageGetsTheDenserInstructionSet() {
    Random r = new Random(22);
    byte[] image = new byte[512 * 1024];
    // Three quarters Thumb, one quarter ARM (each part's calls stay inside its own part).
    System.arraycopy(thumbLike(r, 384 * 1024), 0, image, 0, 384 * 1024);
    System.arraycopy(armLike(r, 128 * 1024), 0, image, 384 * 1024, 128 * 1024);
    assertThat(BranchFilter.likelyFor(image)).isEqualTo(BranchFilter.THUMB_BL);
    System.arraycopy(armLike(r, 384 * 1024), 0, image, 0, 384 * 1024);
    System.arraycopy(thumbLike(r, 128 * 1024), 0, image, 384 * 1024, 128 * 1024);
    assertThat(BranchFilter.likelyFor(image)).isEqualTo(BranchFilter.ARM_BL);
  }

  @Test
  void sparseCodeBelowTheCallDensityIsLeftUnfiltered() {
    Random r = new Random(23);
    // 2 MiB of random bytes with 8 KiB of Thumb code: a few hundred calls in all (the random
    // bytes contribute about as many as the code), far below one per KiB.
    byte[] image = TestData.random(r, 2 << 20);
    byte[] code = thumbLike(r, 8 * 1024);
    System.arraycopy(code, 0, image, 1 << 20, code.length);
    long calls = BranchFilter.THUMB_BL.callsInImage(image);
    assertThat(calls)
        .isPositive()
        .isLessThan((long) (BranchFilter.MIN_CALL_DENSITY * image.length));
    assertThat(BranchFilter.likelyFor(image)).isEqualTo(BranchFilter.NONE);
  }

  @Test
  void callsInImageCountsOnlyTargetsInsideTheImage() {
    byte[] b = new byte[64];
    // Thumb BL at 0 to 0 + 4 + 2 * 10 = 24 (inside), at 8 to 8 + 4 - 2 * 100 (outside).
    b[1] = (byte) 0xF0;
    b[2] = 10;
    b[3] = (byte) 0xF8;
    int back = -100 & 0x3FFFFF;
    b[8] = (byte) (back >>> 11);
    b[9] = (byte) (0xF0 | (back >>> 19));
    b[10] = (byte) back;
    b[11] = (byte) (0xF8 | ((back >>> 8) & 7));
    // ARM BL at 16 to 16 + 8 + 4 * 9 = 60 (inside), at 20 to 20 + 8 + 4 * 10 = 68 (outside).
    b[16] = 9;
    b[19] = (byte) 0xEB;
    b[20] = 10;
    b[23] = (byte) 0xEB;
    assertThat(BranchFilter.THUMB_BL.callsInImage(b)).isEqualTo(1);
    assertThat(BranchFilter.ARM_BL.callsInImage(b)).isEqualTo(1);
    assertThat(BranchFilter.NONE.callsInImage(b)).isZero();
  }

  @Test
  void likelyFilterOnFirmware() throws IOException {
    Map<String, BranchFilter> expected =
        Map.of(
            "armapp", BranchFilter.THUMB_BL,
            "pyb-movehub", BranchFilter.THUMB_BL,
            "pyb-ev3", BranchFilter.ARM_BL,
            "slof", BranchFilter.NONE,
            "ovmf-code4m", BranchFilter.NONE);
    List<TestData.Pair> pairs = new ArrayList<>(TestData.samplePairs());
    if (Files.isDirectory(TestData.SHARED)) {
      pairs.addAll(TestData.pairsIn(TestData.SHARED));
    }
    for (TestData.Pair p : pairs) {
      BranchFilter want = expected.get(p.name());
      if (want != null) {
        assertThat(BranchFilter.likelyFor(p.oldImage())).as(p.name() + " old").isEqualTo(want);
        assertThat(BranchFilter.likelyFor(p.newImage())).as(p.name() + " new").isEqualTo(want);
      }
    }
  }

  private static byte[] words(int... ws) {
    byte[] b = new byte[ws.length * 4];
    for (int i = 0; i < ws.length; i++) {
      b[4 * i] = (byte) ws[i];
      b[4 * i + 1] = (byte) (ws[i] >>> 8);
      b[4 * i + 2] = (byte) (ws[i] >>> 16);
      b[4 * i + 3] = (byte) (ws[i] >>> 24);
    }
    return b;
  }

  /** Encodes {@code raw} at {@code base}, checks the expected bytes and that decoding restores. */
  private static void knownAnswer(BranchFilter f, long base, byte[] raw, byte[] expected) {
    byte[] b = raw.clone();
    f.encode(b, 0, b.length, base);
    assertThat(b).as("%s encoded", f).isEqualTo(expected);
    f.decode(b, 0, b.length, base);
    assertThat(b).as("%s decoded", f).isEqualTo(raw);
  }

  @Test
  void thumbAndArmConvertCallsToTheirTargets() {
    // Thumb BL +0x10 halfwords at 0x100: target (0x20 + 0x104) / 2 = 0x92 halfwords.
    knownAnswer(BranchFilter.THUMB_BL, 0x100, hex("00F010F8"), hex("00F092F8"));
    // ARM BL +0x10 words at 0x100: target (0x40 + 0x108) / 4 = 0x52 words.
    knownAnswer(BranchFilter.ARM_BL, 0x100, words(0xEB000010), words(0xEB000052));
  }

  @Test
  void arm64ConvertsCallsAndNearPageAddresses() {
    // BL +16 words and BL -1 word at 0x100 (word 0x40); ADRP +2 pages at 0x108 (page 0); ADRP
    // +2 pages at 0x3000 in a second call (page 3); an ADRP 2^18 pages away stays as it is.
    knownAnswer(
        BranchFilter.ARM64,
        0x100,
        words(0x94000010, 0x97FFFFFF, 0xD0000000, 0x90200000, 0x12345678),
        words(0x94000050, 0x94000040, 0xD0000000, 0x90200000, 0x12345678));
    knownAnswer(BranchFilter.ARM64, 0x3000, words(0xD0000001), words(0xB0000021));
    // An ADRP 2^17 pages back, the far end of the converted range, is converted.
    knownAnswer(BranchFilter.ARM64, 0x3000, words(0x90F00000), words(0xF0F00000));
  }

  private static byte[] hex(String s) {
    return java.util.HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void x86ConvertsNearCallsAndRipRelativeAddressesAndSkipsWhatAnOpcodeClaims() {
    // At 0x400: call +0x100 (target 0x505); call -0x10 at 0x405 (target 0x3FA); a call with a far
    // displacement (top byte 0x12), not converted, which claims its four bytes so that the E8
    // inside them is not read as a call (converting it would rewrite the 0x12 the decoder tests);
    // a nop; lea rax, [rip + 0x10] at 0x412 (target 0x429); mov rax, [rbp - 8], which claims its
    // prefix, opcode and ModRM only, so the call +1 after it at 0x41C (target 0x422) is seen; a
    // jmp rel32, left relative.
    knownAnswer(
        BranchFilter.X86,
        0x400,
        hex(
            "E8 00010000 E8 F0FFFFFF E8 00 E8 00 12 0000 90 488D05 10000000 488B45 E8 01000000 E9 10000000"),
        hex(
            "E8 05050000 E8 FA030000 E8 00 E8 00 12 0000 90 488D05 29040000 488B45 E8 22040000 E9 10000000"));
  }

  @Test
  void x86ConvertsCallsAndJumpsThroughRipRelativePointers() {
    // At 0x400: call [rip + 0x100] (target 0x506); jmp [rip - 0x10] at 0x406 (target 0x3FC); a
    // call [rip + disp] with a far displacement (top byte 0x12), not converted, which claims its
    // six bytes so that the E8 inside them is not read as a call; call rax (FF D0) and call
    // [rsp] (FF 14 24), which claim nothing; a call +1 at 0x417 (target 0x41D).
    knownAnswer(
        BranchFilter.X86,
        0x400,
        hex("FF15 00010000 FF25 F0FFFFFF FF15 E8000012 FFD0 FF1424 E8 01000000"),
        hex("FF15 06050000 FF25 FC030000 FF15 E8000012 FFD0 FF1424 E8 1D040000"));
    // An FF after a byte 15 is still followed by E8, which claims nothing for FF: the call +1 at
    // 0x402 (target 0x408) is converted; a call [rip + 0x10] ending exactly at the range's end
    // (target 0x41E) is too, and so is a RIP-relative lea ending there (target 0x418).
    knownAnswer(
        BranchFilter.X86,
        0x400,
        hex("15 FF E8 01000000 90 FF15 10000000"),
        hex("15 FF E8 08040000 90 FF15 1E040000"));
    knownAnswer(BranchFilter.X86, 0x400, hex("90 488D05 10000000"), hex("90 488D05 18040000"));
    // A call [rip + disp] cut off by the range's end is not a window.
    knownAnswer(
        BranchFilter.X86, 0x400, hex("E8 01000000 FF15 100000"), hex("E8 06040000 FF15 100000"));
    // A RIP-relative lea claims its displacement: converted to 0xE8 (lea at 0x400, -0x31F), its
    // first byte reads as a call opcode, which the parse must not see.
    knownAnswer(
        BranchFilter.X86, 0x400, hex("488D05 E1FCFFFF 00000000"), hex("488D05 E8000000 00000000"));
  }

  @Test
  void sequentialWindowsDoNotCrossBlocks() {
    // A call whose displacement would cross a block boundary is left alone; the parse restarts at
    // the boundary.
    byte[] raw = new byte[BranchFilter.BLOCK + 8];
    raw[BranchFilter.BLOCK - 2] = (byte) 0xE8;
    raw[BranchFilter.BLOCK] = (byte) 0xE8;
    raw[BranchFilter.BLOCK + 1] = 0x10;
    byte[] expected = raw.clone();
    // call +0x10 at BLOCK: target BLOCK + 5 + 0x10
    int target = BranchFilter.BLOCK + 5 + 0x10;
    expected[BranchFilter.BLOCK + 1] = (byte) target;
    expected[BranchFilter.BLOCK + 2] = (byte) (target >>> 8);
    knownAnswer(BranchFilter.X86, 0, raw, expected);
    byte[] misaligned = new byte[16];
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> BranchFilter.X86.encode(misaligned, 0, 16, 2))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> BranchFilter.RISCV.decode(misaligned, 4, 8, BranchFilter.BLOCK))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void xtensaConvertsWindowedCallsAndParsesByInstructionLength() {
    // At 0x400: RET.N (narrow, 2 bytes); CALL8 +0x10 words at 0x402 (callee word 0x101 + 0x10);
    // CALL0 at 0x405, left; an L32I-like 3-byte instruction whose middle byte reads as a CALL8,
    // which the parse skips whole; CALL4 -1 word at 0x40B (callee word 0x103 - 1 = 0x102); a
    // CALL8 cut off by the end of the range.
    knownAnswer(
        BranchFilter.XTENSA,
        0x400,
        hex("0DF0 250400 050400 022504 D5FFFF 2504"),
        hex("0DF0 654400 050400 022504 954000 2504"));
    // L32I.N (op0 8, narrow) at 0x400, then CALL8 +0 at 0x402, ending exactly at the range's end
    // (callee word 0x101).
    knownAnswer(BranchFilter.XTENSA, 0x400, hex("0822 250000"), hex("0822 654000"));
  }

  @Test
  void xtensaCountsOnlyCallsToAnEntry() {
    // A 64-byte image: ENTRY at 0; CALL8 at 3 to 32 (offset 7 words) where 0x36 begins an ENTRY;
    // CALL8 at 6 to 36 (offset 7 from word 1) where no ENTRY is yet; CALL8 at 9 to 0 (offset -3);
    // CALL4 at 12 to 64, just outside.
    byte[] image = new byte[64];
    System.arraycopy(hex("364100 E50100 E50100 65FFFF 150300"), 0, image, 0, 15);
    image[32] = 0x36;
    assertThat(BranchFilter.XTENSA.callsInImage(image)).isEqualTo(2);
    image[36] = 0x36;
    assertThat(BranchFilter.XTENSA.callsInImage(image)).isEqualTo(3);
    // The windowed-call pattern is common in random bytes: plausibility needs the entries.
    assertThat(BranchFilter.XTENSA.plausibleFor(TestData.random(new Random(5), 64 * 1024)))
        .isFalse();
  }

  /**
   * Plausibility's threshold, three times the chance of a random call to an ENTRY plus 8: 21.7
   * calls in 64 KiB.
   */
  @Test
  void xtensaIsPlausibleFromTwentyTwoCallsToAnEntryIn64KiB() {
    for (int calls : new int[] {21, 22}) {
      byte[] image = new byte[64 * 1024];
      image[0] = 0x36;
      for (int k = 1; k <= calls; k++) {
        int p = 3 * k;
        int w = 0x25 | ((-(((p & ~3) + 4) >> 2) & 0x3FFFF) << 6);
        image[p] = (byte) w;
        image[p + 1] = (byte) (w >>> 8);
        image[p + 2] = (byte) (w >>> 16);
      }
      assertThat(BranchFilter.XTENSA.callsInImage(image)).isEqualTo(calls);
      assertThat(BranchFilter.XTENSA.plausibleFor(image))
          .as("%d calls", calls)
          .isEqualTo(calls > 21);
    }
  }

  @Test
  void riscvConvertsJalAndAuipcJalrPairs() {
    knownAnswer(
        BranchFilter.RISCV,
        0x400,
        // JAL ra +0x10; AUIPC ra 0x1000 + JALR ra 0x7F0(ra) (offset 0x17F0 at 0x404); AUIPC ra
        // without its JALR claims eight bytes, so the JAL ra after it is not converted; a JAL
        // through another register (j) is not a call.
        words(0x010000EF, 0x00001097, 0x7F0080E7, 0x00001097, 0x010000EF, 0x0100006F),
        words(0x410000EF, 0x00002097, 0xBF4080E7, 0x00001097, 0x010000EF, 0x0100006F));
  }

  @Test
  void riscvConvertsAuipcPairsThroughAnyRegister() {
    knownAnswer(
        BranchFilter.RISCV,
        0x800,
        // AUIPC a0 0x1000 + ADDI a0, a0, 0x10 at 0x800: target 0x1810, split 0x2000 - 0x7F0.
        // AUIPC t1 0 + JALR zero, 0x20(t1) at 0x808 (a tail call): target 0x828, 0x1000 - 0x7D8.
        // AUIPC a5 -0x1000 + LD a5, -8(a5) at 0x810: target -0x7F8, 0 - 0x7F8.
        // Not pairs: ADDI a0, a1 (another base), SD a0, 0(a0) (a store), SLLI a0, a0 (funct3 1).
        words(
            0x00001517,
            0x01050513,
            0x00000317,
            0x02030067,
            0xFFFFF797,
            0xFF87B783,
            0x00001517,
            0x01058513,
            0x00001517,
            0x00A53023,
            0x00001517,
            0x00151513),
        words(
            0x00002517,
            0x81050513,
            0x00001317,
            0x82830067,
            0x00000797,
            0x8087B783,
            0x00001517,
            0x01058513,
            0x00001517,
            0x00A53023,
            0x00001517,
            0x00151513));
  }

  @ParameterizedTest
  @EnumSource(BranchFilter.class)
  void randomAccessAndStreamingInverse(BranchFilter f) throws Exception {
    Random r = new Random(f.ordinal());
    byte[] raw = branchy(r, 200_003);
    byte[] filtered = raw.clone();
    f.encode(filtered, 0, filtered.length, 0);
    if (f != BranchFilter.NONE) {
      assertThat(filtered).isNotEqualTo(raw);
    }
    // Random-access reads of the filtered old image agree with filtering the whole image.
    FilteredOldImage view = new FilteredOldImage(SeekableSource.of(raw), raw.length, f);
    for (int t = 0; t < 2000; t++) {
      int pos = r.nextInt(raw.length);
      int len = r.nextInt(Math.min(raw.length - pos, t % 10 == 0 ? 150_000 : 20)) + 0;
      byte[] got = new byte[len];
      view.read(pos, got, 0, len);
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(filtered, pos, pos + len));
    }
    // Streaming inverse with odd write sizes restores the raw image.
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    MessageDigest md = Sha256.newDigest();
    UnfilterOutputStream u = new UnfilterOutputStream(sink, f, md);
    for (int pos = 0; pos < filtered.length; ) {
      int n = Math.min(filtered.length - pos, 1 + r.nextInt(100_000));
      if (n == 1) {
        u.write(filtered[pos]);
      } else {
        u.write(filtered, pos, n);
      }
      pos += n;
    }
    u.finish();
    assertThat(sink.toByteArray()).isEqualTo(raw);
    assertThat(md.digest()).isEqualTo(Sha256.digest(raw));
  }

  @ParameterizedTest
  @EnumSource(BranchFilter.class)
  void encodeDecodeIsIdentityForAllBases(BranchFilter f) throws IOException {
    Random r = new Random(99);
    for (int t = 0; t < 200; t++) {
      byte[] raw = branchy(r, r.nextInt(64));
      // A sequential filter parses from block starts; a stateless one takes any aligned base.
      long base = r.nextInt(1 << 20) * (f.sequential() ? BranchFilter.BLOCK : 4L);
      byte[] b = raw.clone();
      f.encode(b, 0, b.length, base);
      f.decode(b, 0, b.length, base);
      assertThat(b).isEqualTo(raw);
    }
  }

  @ParameterizedTest
  @EnumSource(DiffTransform.class)
  void diffTransformInvertsInAlignedPieces(DiffTransform t) {
    Random r = new Random(t.ordinal() + 10);
    for (int trial = 0; trial < 300; trial++) {
      int n = r.nextInt(300);
      long newPos = r.nextInt(1000);
      byte[] older = TestData.random(r, n);
      byte[] newer = TestData.random(r, n);
      byte[] diff = new byte[n];
      t.subtract(newer, 0, older, 0, n, newPos, diff, 0);
      // Re-add in pieces that end at 4-aligned absolute positions, as the applier does.
      byte[] rebuilt = new byte[n];
      int k = 0;
      while (k < n) {
        long at = newPos + k;
        int piece = (int) Math.min(n - k, 8 + 4 * r.nextInt(4) - (at & 3));
        byte[] a = java.util.Arrays.copyOfRange(older, k, k + piece);
        byte[] b = java.util.Arrays.copyOfRange(diff, k, k + piece);
        t.add(a, b, piece, at);
        System.arraycopy(a, 0, rebuilt, k, piece);
        k += piece;
      }
      assertThat(rebuilt).isEqualTo(newer);
    }
  }
}
