package dev.firmament.agent;

import dev.firmament.delta.io.SeekableSource;
import java.io.IOException;

/**
 * The two firmware slots of a device, plus a staging area for delta patches. The active slot runs;
 * downloads go to the inactive one (a full image) or to staging (a patch, which is then applied
 * from the active slot into the inactive one), and only a verified image is activated, so a failed
 * or corrupted download never touches what runs. A chain of patches needs one more area, scratch,
 * for the images between its steps.
 *
 * <p>Not thread-safe: a device agent uses its store from one task at a time.
 */
public interface SlotStore {

  /** The slot the device boots from. */
  SlotId activeSlot();

  /** The version installed in a slot, or null if the slot holds no installed image. */
  String version(SlotId slot);

  /** The running version. */
  default String activeVersion() {
    return version(activeSlot());
  }

  /**
   * The active slot's image for reading, or null when this store keeps no image bytes (a simulated
   * device that has only a version). Deltas need it; close it after use.
   */
  SeekableSource openActive() throws IOException;

  /** Empties the inactive slot before a new download. */
  void eraseInactive() throws IOException;

  /** Writes downloaded bytes into the inactive slot at {@code offset}. */
  void writeInactive(long offset, byte[] data, int off, int len) throws IOException;

  /** Bytes written to the inactive slot since it was erased (the highest offset written). */
  long inactiveLength() throws IOException;

  /** SHA-256 of the inactive slot's bytes, as 64 lowercase hex digits. */
  String sha256Inactive() throws IOException;

  /** Empties the staging area, which holds a delta patch while it downloads. */
  void eraseStaging() throws IOException;

  /** Writes downloaded patch bytes into the staging area at {@code offset}. */
  void writeStaging(long offset, byte[] data, int off, int len) throws IOException;

  /** The staging area's bytes for reading; close it after use. */
  SeekableSource openStaging() throws IOException;

  /** The inactive slot's bytes for reading (what was written since it was erased); close it. */
  SeekableSource openInactive() throws IOException;

  /** Empties the scratch area, which holds an image between two steps of a chain of patches. */
  void eraseScratch() throws IOException;

  /** Writes bytes into the scratch area at {@code offset}. */
  void writeScratch(long offset, byte[] data, int off, int len) throws IOException;

  /** The scratch area's bytes for reading; close it after use. */
  SeekableSource openScratch() throws IOException;

  /** Makes the inactive slot the active one, recording the version it holds. */
  void activateInactive(String version) throws IOException;

  /** Boots from {@code slot} again (a rollback); the slot must hold an installed image. */
  void revertTo(SlotId slot) throws IOException;
}
