package dev.firmament.agent;

import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * Slots held in memory, for simulated devices.
 *
 * <ul>
 *   <li>{@link #digestOnly}: the slots hold versions only. A download keeps just its length and a
 *       running SHA-256, and must arrive in order (which is how the agent writes). Ten thousand
 *       such devices download at once in a few megabytes, but they cannot apply deltas: there is no
 *       base image.
 *   <li>{@link #withImage}: the active slot holds a real image (shared, never copied), downloads
 *       keep their bytes, and installed images go through an {@link ImagePool}, so devices that
 *       install the same image share one copy. These devices apply deltas.
 *   <li>{@link #keepingBytes}: downloads keep their bytes and may be written anywhere; the initial
 *       slot holds a version only.
 * </ul>
 *
 * <p>The staging area for delta patches and the scratch area of a chain always keep their bytes,
 * and are released after each apply.
 */
public final class InMemorySlotStore implements SlotStore {

  private final Map<SlotId, String> versions = new EnumMap<>(SlotId.class);
  private final Map<SlotId, byte[]> images = new EnumMap<>(SlotId.class);
  private final boolean keepBytes;
  private final ImagePool pool;
  private SlotId active = SlotId.A;
  private final Buffer inactive = new Buffer();
  private final Buffer staging = new Buffer();
  private final Buffer scratch = new Buffer();
  private MessageDigest digest = Sha256.newDigest();

  private InMemorySlotStore(
      String initialVersion, byte[] initialImage, boolean keepBytes, ImagePool pool) {
    versions.put(SlotId.A, Objects.requireNonNull(initialVersion, "initialVersion"));
    if (initialImage != null) {
      images.put(SlotId.A, initialImage);
    }
    this.keepBytes = keepBytes;
    this.pool = pool;
  }

  /** Slot A runs {@code initialVersion}; downloads keep only their length and running hash. */
  public static InMemorySlotStore digestOnly(String initialVersion) {
    return new InMemorySlotStore(initialVersion, null, false, null);
  }

  /** Slot A runs {@code initialVersion}; downloads keep their bytes and may be written anywhere. */
  public static InMemorySlotStore keepingBytes(String initialVersion) {
    return new InMemorySlotStore(initialVersion, null, true, null);
  }

  /**
   * Slot A runs {@code initialVersion} from {@code initialImage} (not copied: do not modify it).
   * Installed images are shared through {@code pool}.
   */
  public static InMemorySlotStore withImage(
      String initialVersion, byte[] initialImage, ImagePool pool) {
    return new InMemorySlotStore(
        initialVersion,
        Objects.requireNonNull(initialImage, "initialImage"),
        true,
        Objects.requireNonNull(pool, "pool"));
  }

  @Override
  public SlotId activeSlot() {
    return active;
  }

  @Override
  public String version(SlotId slot) {
    return versions.get(slot);
  }

  @Override
  public SeekableSource openActive() {
    byte[] image = images.get(active);
    return image == null ? null : SeekableSource.of(image);
  }

  @Override
  public void eraseInactive() {
    versions.remove(active.other());
    images.remove(active.other());
    inactive.clear();
    digest = Sha256.newDigest();
  }

  @Override
  public void writeInactive(long offset, byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    if (!keepBytes) {
      if (offset != inactive.length) {
        throw new IllegalStateException(
            "digest-only slot takes writes in order: expected offset "
                + inactive.length
                + ", got "
                + offset);
      }
      digest.update(data, off, len);
      inactive.length = offset + len;
      return;
    }
    inactive.write(offset, data, off, len);
  }

  @Override
  public long inactiveLength() {
    return inactive.length;
  }

  @Override
  public String sha256Inactive() {
    if (keepBytes) {
      MessageDigest full = Sha256.newDigest();
      full.update(inactive.bytes, 0, (int) inactive.length);
      return HexFormat.of().formatHex(full.digest());
    }
    try {
      // Hash a copy so that the running digest stays usable.
      return HexFormat.of().formatHex(((MessageDigest) digest.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
    }
  }

  @Override
  public void eraseStaging() {
    staging.release();
  }

  @Override
  public void writeStaging(long offset, byte[] data, int off, int len) {
    staging.write(offset, data, off, len);
  }

  @Override
  public SeekableSource openStaging() {
    return staging.source();
  }

  /** The inactive slot's bytes; a digest-only slot keeps none and reads as empty. */
  @Override
  public SeekableSource openInactive() {
    return keepBytes ? inactive.source() : new Buffer().source();
  }

  @Override
  public void eraseScratch() {
    scratch.release();
  }

  @Override
  public void writeScratch(long offset, byte[] data, int off, int len) {
    scratch.write(offset, data, off, len);
  }

  @Override
  public SeekableSource openScratch() {
    return scratch.source();
  }

  @Override
  public void activateInactive(String version) {
    SlotId target = active.other();
    versions.put(target, Objects.requireNonNull(version, "version"));
    if (keepBytes && pool != null) {
      byte[] image = Arrays.copyOf(inactive.bytes, (int) inactive.length);
      images.put(target, pool.intern(sha256Inactive(), image));
    } else {
      images.remove(target);
    }
    active = target;
    // The download's own buffer is no longer needed: the slot now refers to the pooled image.
    inactive.release();
    digest = Sha256.newDigest();
  }

  @Override
  public void revertTo(SlotId slot) {
    if (versions.get(slot) == null) {
      throw new IllegalStateException("slot " + slot + " holds no installed image");
    }
    active = slot;
  }

  /** A growable byte buffer written at offsets. */
  private static final class Buffer {
    private static final byte[] EMPTY = new byte[0];
    byte[] bytes = EMPTY;
    long length;

    void write(long offset, byte[] data, int off, int len) {
      Objects.checkFromIndexSize(off, len, data.length);
      long end = offset + len;
      if (offset < 0 || end > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "write outside the in-memory slot: " + offset + "+" + len);
      }
      if (end > bytes.length) {
        long grown = Math.max(end, Math.min(Integer.MAX_VALUE - 8, bytes.length * 2L));
        bytes = Arrays.copyOf(bytes, (int) grown);
      }
      System.arraycopy(data, off, bytes, (int) offset, len);
      length = Math.max(length, end);
    }

    /** The bytes written so far, as they are now (later writes may or may not show). */
    SeekableSource source() {
      byte[] snapshot = bytes;
      int size = (int) length;
      return new SeekableSource() {
        @Override
        public long size() {
          return size;
        }

        @Override
        public int read(long pos, byte[] b, int off, int len) {
          Objects.checkFromIndexSize(off, len, b.length);
          if (pos < 0) {
            throw new IndexOutOfBoundsException("negative position " + pos);
          }
          if (pos >= size) {
            return len == 0 ? 0 : -1;
          }
          int n = (int) Math.min(len, size - pos);
          System.arraycopy(snapshot, (int) pos, b, off, n);
          return n;
        }
      };
    }

    /** Forgets the contents but keeps the capacity. */
    void clear() {
      length = 0;
    }

    /** Forgets the contents and the capacity. */
    void release() {
      bytes = EMPTY;
      length = 0;
    }
  }
}
