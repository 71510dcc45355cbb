package dev.firmament.agent;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * Slots held in memory, for simulated devices.
 *
 * <p>A simulated device starts with only a version, so the active slot holds no bytes. The inactive
 * slot either keeps the downloaded bytes ({@link #keepingBytes}) or only a running SHA-256 over
 * them ({@link #digestOnly}, the default of the fleet simulator). Digest-only accepts writes only
 * in order, which is how the agent writes, and lets ten thousand devices download at once in a few
 * megabytes.
 */
public final class InMemorySlotStore implements SlotStore {

  private final Map<SlotId, String> versions = new EnumMap<>(SlotId.class);
  private final boolean keepBytes;
  private SlotId active = SlotId.A;
  private byte[] inactive = new byte[0];
  private long inactiveLength;
  private MessageDigest digest = newDigest();

  private InMemorySlotStore(String initialVersion, boolean keepBytes) {
    versions.put(SlotId.A, Objects.requireNonNull(initialVersion, "initialVersion"));
    this.keepBytes = keepBytes;
  }

  /** Slot A runs {@code initialVersion}; downloads keep only their length and running hash. */
  public static InMemorySlotStore digestOnly(String initialVersion) {
    return new InMemorySlotStore(initialVersion, false);
  }

  /** Slot A runs {@code initialVersion}; downloads keep their bytes and may be written anywhere. */
  public static InMemorySlotStore keepingBytes(String initialVersion) {
    return new InMemorySlotStore(initialVersion, true);
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
  public void eraseInactive() {
    versions.remove(active.other());
    inactive = new byte[0];
    inactiveLength = 0;
    digest = newDigest();
  }

  @Override
  public void writeInactive(long offset, byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    long end = offset + len;
    if (!keepBytes) {
      if (offset != inactiveLength) {
        throw new IllegalStateException(
            "digest-only slot takes writes in order: expected offset "
                + inactiveLength
                + ", got "
                + offset);
      }
      digest.update(data, off, len);
      inactiveLength = end;
      return;
    }
    if (offset < 0 || end > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("write outside the in-memory slot: " + offset + "+" + len);
    }
    if (end > inactive.length) {
      long grown = Math.max(end, Math.min(Integer.MAX_VALUE - 8, inactive.length * 2L));
      inactive = Arrays.copyOf(inactive, (int) grown);
    }
    System.arraycopy(data, off, inactive, (int) offset, len);
    inactiveLength = Math.max(inactiveLength, end);
  }

  @Override
  public long inactiveLength() {
    return inactiveLength;
  }

  @Override
  public String sha256Inactive() {
    if (keepBytes) {
      MessageDigest full = newDigest();
      full.update(inactive, 0, (int) inactiveLength);
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
  public void activateInactive(String version) {
    SlotId target = active.other();
    versions.put(target, Objects.requireNonNull(version, "version"));
    active = target;
    // The simulator never reads an active image back; release the download's memory.
    inactive = new byte[0];
    inactiveLength = 0;
    digest = newDigest();
  }

  @Override
  public void revertTo(SlotId slot) {
    if (versions.get(slot) == null) {
      throw new IllegalStateException("slot " + slot + " holds no installed image");
    }
    active = slot;
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
