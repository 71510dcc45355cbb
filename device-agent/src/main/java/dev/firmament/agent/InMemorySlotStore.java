package dev.firmament.agent;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * Slots held in memory. The image bytes of the active slot are not kept (a simulated device starts
 * with only a version), so a fleet of thousands needs memory only for downloads in progress.
 */
public final class InMemorySlotStore implements SlotStore {

  private final Map<SlotId, String> versions = new EnumMap<>(SlotId.class);
  private SlotId active = SlotId.A;
  private byte[] inactive = new byte[0];
  private int inactiveLength;

  /** A store whose slot A runs {@code initialVersion} and whose slot B is empty. */
  public InMemorySlotStore(String initialVersion) {
    versions.put(SlotId.A, Objects.requireNonNull(initialVersion, "initialVersion"));
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
  }

  @Override
  public void writeInactive(long offset, byte[] data, int off, int len) {
    long end = offset + len;
    if (offset < 0 || end > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("write outside the in-memory slot: " + offset + "+" + len);
    }
    if (end > inactive.length) {
      inactive =
          Arrays.copyOf(
              inactive, (int) Math.max(end, Math.min(Integer.MAX_VALUE - 8, inactive.length * 2L)));
    }
    System.arraycopy(data, off, inactive, (int) offset, len);
    inactiveLength = (int) Math.max(inactiveLength, end);
  }

  @Override
  public long inactiveLength() {
    return inactiveLength;
  }

  @Override
  public String sha256Inactive() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(inactive, 0, inactiveLength);
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
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
  }

  @Override
  public void revertTo(SlotId slot) {
    if (versions.get(slot) == null) {
      throw new IllegalStateException("slot " + slot + " holds no installed image");
    }
    active = slot;
  }
}
