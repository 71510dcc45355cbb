package dev.firmament.delta;

import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A chain of patches, applied one after another, in one artifact: how a device on a version with no
 * direct patch to the target still gets a download smaller than the full image (for example 1.0 to
 * 1.1 to 1.2 when only those two patches exist).
 *
 * <p>Layout, all integers big-endian:
 *
 * <pre>
 *   "FMCHAIN1"                       8 bytes
 *   steps                            1 byte, {@value #MIN_STEPS} to {@value #MAX_STEPS}
 *   per step:
 *     version length                 1 byte, 1 to {@value #MAX_VERSION_LENGTH}
 *     version                        printable ASCII: the version this step produces
 *     sha256                         32 bytes: the image this step produces
 *     patch length                   8 bytes, at least 1
 *   the patches, in step order, back to back
 * </pre>
 *
 * <p>The artifact ends exactly after the last patch. Each step's patch applies to the image the
 * step before produced (the first to the device's running image), and each result is checked
 * against its step's hash before the next step reads it, so a wrong base or a damaged patch is
 * named by its step. The last step's hash is the target's, which the signed manifest covers: the
 * chain itself needs no signature of its own, exactly like a single patch.
 */
public final class DeltaChain {
  static final byte[] MAGIC = "FMCHAIN1".getBytes(StandardCharsets.US_ASCII);

  /** A chain has at least two steps; one patch is sent as itself. */
  public static final int MIN_STEPS = 2;

  /** Longest chain the format carries (each step costs the device a full apply). */
  public static final int MAX_STEPS = 8;

  public static final int MAX_VERSION_LENGTH = 64;

  private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7E]+");

  private DeltaChain() {}

  /**
   * One step of a chain.
   *
   * @param version the version the step produces
   * @param sha256 the SHA-256 of the image it produces, 32 bytes
   * @param offset where its patch starts in the artifact
   * @param length the patch's length in bytes
   */
  public record Step(String version, byte[] sha256, long offset, long length) {
    public Step {
      Objects.requireNonNull(version, "version");
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }

    public String sha256Hex() {
      return HexFormat.of().formatHex(sha256);
    }

    /** The step's patch, read from {@code chain} (which must stay open while it is read). */
    public SeekableSource patch(SeekableSource chain) {
      return slice(chain, offset, length);
    }
  }

  /** A patch to put in a chain, with the version and SHA-256 (hex) of what it produces. */
  public record Link(String version, String sha256, byte[] patch) {
    public Link {
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(sha256, "sha256");
      Objects.requireNonNull(patch, "patch");
    }
  }

  /** Whether {@code artifact} starts like a chain. */
  public static boolean isChain(byte[] artifact) {
    return artifact.length >= MAGIC.length
        && Arrays.equals(artifact, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  /** Encodes {@code links} in order into one artifact. */
  public static byte[] encode(List<Link> links) {
    if (links.size() < MIN_STEPS || links.size() > MAX_STEPS) {
      throw new IllegalArgumentException(
          "a chain has " + MIN_STEPS + " to " + MAX_STEPS + " steps, not " + links.size());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(MAGIC);
    out.write(links.size());
    for (Link link : links) {
      byte[] version = link.version().getBytes(StandardCharsets.US_ASCII);
      if (!validVersion(link.version())) {
        throw new IllegalArgumentException(
            "step version must be 1 to " + MAX_VERSION_LENGTH + " printable ASCII characters");
      }
      byte[] sha = HexFormat.of().parseHex(link.sha256());
      if (sha.length != 32) {
        throw new IllegalArgumentException("step sha256 must be 32 bytes, was " + sha.length);
      }
      if (link.patch().length == 0) {
        throw new IllegalArgumentException("step patch of " + link.version() + " is empty");
      }
      out.write(version.length);
      out.writeBytes(version);
      out.writeBytes(sha);
      out.writeBytes(ByteBuffer.allocate(8).putLong(link.patch().length).array());
    }
    for (Link link : links) {
      out.writeBytes(link.patch());
    }
    return out.toByteArray();
  }

  /**
   * The steps of the chain in {@code chain}; a malformed chain is a {@link DeltaFormatException}.
   */
  public static List<Step> read(SeekableSource chain) throws IOException {
    long size = chain.size();
    Cursor in = new Cursor(chain, size);
    byte[] magic = in.bytes(MAGIC.length, "magic");
    if (!Arrays.equals(magic, MAGIC)) {
      throw new DeltaFormatException(
          "not a patch chain: magic " + HexFormat.of().formatHex(magic) + " (expected FMCHAIN1)");
    }
    int steps = in.unsigned("step count");
    if (steps < MIN_STEPS || steps > MAX_STEPS) {
      throw new DeltaFormatException(
          "a chain has " + MIN_STEPS + " to " + MAX_STEPS + " steps, this one says " + steps);
    }
    List<String> versions = new ArrayList<>(steps);
    List<byte[]> hashes = new ArrayList<>(steps);
    long[] lengths = new long[steps];
    for (int i = 0; i < steps; i++) {
      int versionLength = in.unsigned("version length of step " + (i + 1));
      String version =
          new String(
              in.bytes(versionLength, "version of step " + (i + 1)), StandardCharsets.US_ASCII);
      if (!validVersion(version)) {
        throw new DeltaFormatException(
            "step "
                + (i + 1)
                + ": version must be 1 to "
                + MAX_VERSION_LENGTH
                + " printable ASCII");
      }
      versions.add(version);
      hashes.add(in.bytes(32, "sha256 of step " + (i + 1)));
      lengths[i] = ByteBuffer.wrap(in.bytes(8, "patch length of step " + (i + 1))).getLong();
      if (lengths[i] < 1 || lengths[i] > size) {
        throw new DeltaFormatException(
            "step " + (i + 1) + ": patch length " + lengths[i] + " outside the chain's " + size);
      }
    }
    long offset = in.position;
    List<Step> result = new ArrayList<>(steps);
    for (int i = 0; i < steps; i++) {
      result.add(new Step(versions.get(i), hashes.get(i), offset, lengths[i]));
      offset += lengths[i];
    }
    if (offset != size) {
      throw new DeltaFormatException(
          "the chain's patches end at byte " + offset + " but the chain has " + size + " bytes");
    }
    return List.copyOf(result);
  }

  private static boolean validVersion(String version) {
    return !version.isEmpty()
        && version.length() <= MAX_VERSION_LENGTH
        && PRINTABLE.matcher(version).matches();
  }

  /** A window onto part of a source. */
  private static SeekableSource slice(SeekableSource source, long start, long length) {
    return new SeekableSource() {
      @Override
      public long size() {
        return length;
      }

      @Override
      public int read(long pos, byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (pos < 0) {
          throw new IndexOutOfBoundsException("negative position " + pos);
        }
        if (pos >= length) {
          return len == 0 ? 0 : -1;
        }
        return source.read(start + pos, b, off, (int) Math.min(len, length - pos));
      }

      @Override
      public void close() {
        // The chain's source is closed by its owner.
      }
    };
  }

  /** Reads the header front to back, naming what is missing when the chain ends early. */
  private static final class Cursor {
    private final SeekableSource source;
    private final long size;
    long position;

    Cursor(SeekableSource source, long size) {
      this.source = source;
      this.size = size;
    }

    byte[] bytes(int n, String what) throws IOException {
      if (position + n > size) {
        throw new DeltaFormatException("the chain ends before its " + what);
      }
      byte[] b = new byte[n];
      source.readFully(position, b, 0, n);
      position += n;
      return b;
    }

    int unsigned(String what) throws IOException {
      return bytes(1, what)[0] & 0xFF;
    }
  }
}
