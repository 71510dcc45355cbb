package dev.firmament.protocol.server;

/**
 * The bytes a delivery over HTTPS was signed for: each link covers the artifact from where the
 * device stood when it took the link to the end, and a link that a newer one replaces counts only
 * as far as the device got with it (the device uses its latest link alone). A device that finishes
 * without fetching anything twice is therefore counted exactly the bytes it received.
 *
 * <p>Not thread-safe: the gateway uses it from its event loop.
 */
final class SignedRanges {

  private final long size;
  private long closed;
  private long start = -1;
  private long reached;
  private boolean answered;

  /**
   * @param size the artifact's size in bytes
   */
  SignedRanges(long size) {
    this.size = size;
  }

  /** A new link was signed and sent while the device stood at {@code offset} as far as we know. */
  void issued(long offset) {
    if (start >= 0) {
      closed += reached - start;
    }
    start = clamp(offset);
    reached = start;
    answered = false;
  }

  /**
   * The device holds {@code offset} contiguous bytes. Its first answer to a link says where it
   * stood when it took it: bytes below that came with an earlier link, or before this delivery.
   */
  void acknowledged(long offset) {
    if (start < 0) {
      return;
    }
    long at = clamp(offset);
    if (!answered) {
      answered = true;
      if (at > start) {
        start = at;
        reached = at;
        return;
      }
    }
    reached = Math.max(reached, at);
  }

  /** The bytes signed for so far, the live link counted to the artifact's end. */
  long total() {
    return start < 0 ? closed : closed + (size - start);
  }

  private long clamp(long offset) {
    return Math.max(0, Math.min(offset, size));
  }
}
