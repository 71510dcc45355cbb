package dev.firmament.delta.inplace;

import java.io.IOException;

/**
 * Where an in-place apply records how far it got, so that after a power cut it resumes instead of
 * starting over on an image it has already half rewritten. A device keeps it in storage that
 * survives a reset and writes it atomically (two alternating records with a sequence number and a
 * checksum, or a file replaced by rename).
 */
public interface ApplyJournal {
  /** No apply of the patch has started. */
  long NOT_STARTED = -1;

  /**
   * Steps of the apply of the patch with this SHA-256 that are done: {@link #NOT_STARTED}, or 0
   * once the patch was checked against the image and may start writing, up to all its steps.
   */
  long stepsDone(byte[] patchSha256) throws IOException;

  /** Records that {@code steps} steps of this patch's apply are done; atomic. */
  void record(byte[] patchSha256, long steps) throws IOException;
}
