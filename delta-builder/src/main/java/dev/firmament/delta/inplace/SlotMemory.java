package dev.firmament.delta.inplace;

import java.io.IOException;

/**
 * The flash slot an in-place patch rewrites. Writes are whole erase blocks at a time: a write
 * erases the blocks it covers and programs them, so a write cut by a power loss leaves its blocks
 * erased or partly programmed, never the blocks around them changed.
 */
public interface SlotMemory {
  /** Bytes of the slot. */
  long size();

  /** The erase block: writes start at a multiple of it. */
  int eraseSize();

  /** Reads {@code len} bytes at {@code address}. */
  void read(long address, byte[] into, int off, int len) throws IOException;

  /**
   * Erases the blocks that {@code [address, address + len)} covers and programs {@code len} bytes
   * from {@code from} there; the rest of the last block stays erased.
   *
   * @param address a multiple of {@link #eraseSize()}
   */
  void write(long address, byte[] from, int off, int len) throws IOException;
}
