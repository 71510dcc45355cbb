package dev.firmament.delta;

import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.NativeFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Firmware pairs and helpers shared by the tests. */
final class TestData {
  /**
   * The shared firmware pairs: {@code firmament.firmware.dir} (system property) or {@code
   * FIRMAMENT_FIRMWARE_DIR}, else {@code ../shared/firmware} beside the repository. Tests that use
   * them are skipped when the directory does not exist.
   */
  static final Path SHARED = sharedFirmware();

  private static Path sharedFirmware() {
    String configured = System.getProperty("firmament.firmware.dir");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("FIRMAMENT_FIRMWARE_DIR");
    }
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("firmware-samples").resolve("armapp.old"))) {
        return p.resolve("../shared/firmware").normalize();
      }
    }
    return Path.of("../shared/firmware");
  }

  private TestData() {}

  record Pair(String name, byte[] oldImage, byte[] newImage) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** The repository's {@code firmware-samples} directory (tests run from the module directory). */
  static Path samplesDir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("firmware-samples");
      if (Files.isRegularFile(candidate.resolve("armapp.old"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "firmware-samples not found above " + Path.of("").toAbsolutePath());
  }

  static List<Pair> pairsIn(Path dir) throws IOException {
    List<Pair> pairs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path old : files.filter(f -> f.toString().endsWith(".old")).sorted().toList()) {
        String name = old.getFileName().toString().replaceFirst("\\.old$", "");
        Path neu = dir.resolve(name + ".new");
        if (Files.isRegularFile(neu)) {
          pairs.add(new Pair(name, Files.readAllBytes(old), Files.readAllBytes(neu)));
        }
      }
    }
    return pairs;
  }

  static List<Pair> samplePairs() throws IOException {
    return pairsIn(samplesDir());
  }

  static byte[] random(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** Firmware-like bytes: a small alphabet of repeated "instruction" words with some noise. */
  static byte[] codeLike(Random r, int n) {
    byte[][] words = new byte[64][];
    for (int i = 0; i < words.length; i++) {
      words[i] = random(r, 2 + r.nextInt(6));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(n + 8);
    while (out.size() < n) {
      if (r.nextInt(50) == 0) {
        out.write(r.nextInt(256));
      } else {
        out.writeBytes(words[r.nextInt(words.length)]);
      }
    }
    byte[] b = out.toByteArray();
    return java.util.Arrays.copyOf(b, n);
  }

  /** The load address of {@link #pointerPair}'s images. */
  static final int POINTER_BASE = 0x0800_0000;

  /**
   * Firmware with a table of {@code pointers} absolute pointers (load address {@link
   * #POINTER_BASE}) into {@code codeBytes} of code, and the same firmware with {@code inserted}
   * bytes of new code at a third of the code: every pointer to code after the insertion moved with
   * it, as a linker moves them. {@code codeBytes} and {@code inserted} are multiples of 4, so the
   * table is word-aligned in both images.
   */
  static Pair pointerPair(Random r, int codeBytes, int pointers, int inserted) {
    byte[] code = codeLike(r, codeBytes);
    int at = codeBytes / 3 & ~3;
    int[] targets = new int[pointers];
    for (int k = 0; k < pointers; k++) {
      targets[k] = r.nextInt(codeBytes / 4) * 4;
    }
    ByteBuffer old = ByteBuffer.allocate(codeBytes + 4 * pointers).order(ByteOrder.LITTLE_ENDIAN);
    old.put(code);
    ByteBuffer neu =
        ByteBuffer.allocate(codeBytes + inserted + 4 * pointers).order(ByteOrder.LITTLE_ENDIAN);
    neu.put(code, 0, at).put(random(r, inserted)).put(code, at, codeBytes - at);
    for (int t : targets) {
      old.putInt(POINTER_BASE + t);
      neu.putInt(POINTER_BASE + (t < at ? t : t + inserted));
    }
    return new Pair("pointers", old.array(), neu.array());
  }

  /** A plausible next version of {@code old}: edits, inserts, deletes and moved blocks. */
  static byte[] evolve(Random r, byte[] old, int edits) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(old.length + 1024);
    int pos = 0;
    for (int i = 0; i < edits && pos < old.length; i++) {
      int keep = r.nextInt(Math.max(1, old.length / Math.max(1, edits)));
      int n = Math.min(keep, old.length - pos);
      out.write(old, pos, n);
      pos += n;
      switch (r.nextInt(4)) {
        case 0 -> out.writeBytes(random(r, 1 + r.nextInt(64)));
        case 1 -> pos = Math.min(old.length, pos + r.nextInt(64));
        case 2 -> {
          int from = r.nextInt(old.length);
          out.write(old, from, Math.min(old.length - from, 1 + r.nextInt(512)));
        }
        default -> {
          if (pos < old.length) {
            out.write(old[pos++] ^ (1 + r.nextInt(255)));
          }
        }
      }
    }
    out.write(old, pos, old.length - pos);
    return out.toByteArray();
  }

  /**
   * A native patch from a diff script, as the differ assembles it: zero-run coding, and with {@code
   * tryPlain} the plain-coding trial of small diff streams too.
   */
  static byte[] nativePatch(
      byte[] fOld,
      byte[] fNew,
      byte[] oldSha,
      byte[] newSha,
      DiffScript script,
      BranchFilter filter,
      DiffTransform transform,
      int level,
      int chunkSize,
      boolean tryPlain)
      throws IOException {
    NativeFormat.Encoded e =
        NativeFormat.encode(fOld, fNew, script, filter, transform, level, chunkSize, tryPlain);
    return tryPlain ? e.withPlainTrial(oldSha, newSha) : e.patch(oldSha, newSha);
  }
}
