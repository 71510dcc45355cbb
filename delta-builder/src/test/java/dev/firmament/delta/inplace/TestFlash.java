package dev.firmament.delta.inplace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Flash in memory for the in-place tests: written a whole erase block at a time, counting its
 * writes; a write cut by a power loss ({@link #cutAtWrite}) leaves half its bytes programmed.
 */
public class TestFlash implements SlotMemory {
  public final byte[] bytes;
  private final int erase;
  public int writes;
  public int cutAtWrite = -1;

  public TestFlash(long size, int erase, byte[] image) {
    this.bytes = new byte[(int) size];
    this.erase = erase;
    Arrays.fill(bytes, (byte) 0xff);
    System.arraycopy(image, 0, bytes, 0, image.length);
  }

  /** A power loss in the middle of a flash write or before a journal record. */
  public static final class PowerCut extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PowerCut() {
      super("power cut", null, false, false);
    }
  }

  /** A journal that survives the cut; a cut record ({@link #cutAtRecord}) is lost whole. */
  public static final class Journal implements ApplyJournal {
    public final Map<String, Long> steps = new HashMap<>();
    private int records;
    public int cutAtRecord = -1;

    @Override
    public long stepsDone(byte[] patchSha256) {
      return steps.getOrDefault(HexFormat.of().formatHex(patchSha256), NOT_STARTED);
    }

    @Override
    public void record(byte[] patchSha256, long done) {
      if (records++ == cutAtRecord) {
        throw new PowerCut();
      }
      steps.put(HexFormat.of().formatHex(patchSha256), done);
    }
  }

  @Override
  public long size() {
    return bytes.length;
  }

  @Override
  public int eraseSize() {
    return erase;
  }

  @Override
  public void read(long address, byte[] into, int off, int len) {
    System.arraycopy(bytes, (int) address, into, off, len);
  }

  @Override
  public void write(long address, byte[] from, int off, int len) {
    assertThat(address % erase).as("writes start at an erase block").isZero();
    int blocks = (len + erase - 1) / erase;
    Arrays.fill(
        bytes,
        (int) address,
        (int) Math.min(bytes.length, address + (long) blocks * erase),
        (byte) 0xff);
    boolean cut = writes++ == cutAtWrite;
    System.arraycopy(from, off, bytes, (int) address, cut ? len / 2 : len);
    if (cut) {
      throw new PowerCut();
    }
  }
}
