package dev.firmament.protocol.server;

import java.util.function.LongConsumer;

/**
 * The flow-control window of one transfer: how far the device has acknowledged, how far the gateway
 * has sent, and what an acknowledgement does to both.
 *
 * <p>The gateway keeps at most {@code window} chunks between the acknowledged offset and the next
 * offset to send. An acknowledgement above the last one moves the window. An acknowledgement at or
 * below it means the device is missing bytes from that offset (it reconnected, or saw a gap), and
 * the window goes back to that offset, but only once per offset: the copies of one request that
 * arrive while the resent chunks are on their way do not restart the resend.
 *
 * <p>Every change of the bytes in flight ({@code next - acked}) is passed to a listener, so the
 * gateway can keep one total over all transfers without asking each of them.
 *
 * <p>Not thread-safe: the gateway uses it from its event loop.
 */
final class TransferWindow {

  /** What an acknowledgement did to the window. */
  enum Ack {
    /** Beyond the artifact's end: ignored, nothing changed. */
    OUT_OF_RANGE,
    /** The device's first acknowledgement: it accepted and starts at this offset. */
    STARTED,
    /** Above the last acknowledgement: the window moved forward. */
    ADVANCED,
    /** At or below the last acknowledgement: sending goes back to this offset. */
    REWOUND,
    /** The same request to go back again, already honoured: nothing changed. */
    REPEATED
  }

  private final long size;
  private final int chunkSize;
  private final long windowBytes;
  private final LongConsumer inFlightChange;
  private boolean started;
  private long acked;
  private long next;
  private long rewoundAt = -1;

  /**
   * @param size the artifact's size in bytes
   * @param chunkSize payload bytes per chunk
   * @param window chunks in flight at most
   * @param inFlightChange receives every change of the bytes in flight, positive or negative
   */
  TransferWindow(long size, int chunkSize, int window, LongConsumer inFlightChange) {
    if (size < 0 || chunkSize < 1 || window < 1) {
      throw new IllegalArgumentException(
          "size " + size + ", chunk size " + chunkSize + ", window " + window);
    }
    this.size = size;
    this.chunkSize = chunkSize;
    this.windowBytes = (long) window * chunkSize;
    this.inFlightChange = inFlightChange;
  }

  /** Applies the device's acknowledgement of {@code offset}, its {@code DOWNLOADING} position. */
  Ack acknowledge(long offset) {
    if (offset > size) {
      return Ack.OUT_OF_RANGE;
    }
    if (!started) {
      started = true;
      setPositions(offset, offset);
      return Ack.STARTED;
    }
    if (offset > acked) {
      setPositions(offset, Math.max(next, offset));
      rewoundAt = -1;
      return Ack.ADVANCED;
    }
    if (offset < acked || rewoundAt != offset) {
      rewind(offset);
      return Ack.REWOUND;
    }
    return Ack.REPEATED;
  }

  /** Goes back to {@code offset}: everything from there is sent again. */
  void rewind(long offset) {
    setPositions(offset, offset);
    rewoundAt = offset;
  }

  /** Goes back to the last acknowledged offset (a re-offer after a stall or a reconnect). */
  void rewindToAcknowledged() {
    rewind(acked);
  }

  /**
   * The payload length of the next chunk to send, or 0 when there is none: the window is full,
   * everything is sent, or the device has not accepted yet.
   */
  int nextChunkLength() {
    if (!started || next >= size || next - acked >= windowBytes) {
      return 0;
    }
    return (int) Math.min(chunkSize, size - next);
  }

  /** Records that {@code length} bytes from {@link #next()} went out. */
  void sent(int length) {
    setPositions(acked, next + length);
  }

  /** Ends the transfer: nothing is in flight any more. */
  void settle() {
    setPositions(next, next);
  }

  /**
   * The bytes to reserve from the gateway's budget to send this window: a whole window, or what is
   * left of the artifact if that is less, and at least one byte.
   */
  long bytesToReserve() {
    return Math.max(1, Math.min(windowBytes, size - acked));
  }

  boolean started() {
    return started;
  }

  long acked() {
    return acked;
  }

  long next() {
    return next;
  }

  long inFlight() {
    return next - acked;
  }

  private void setPositions(long newAcked, long newNext) {
    long delta = (newNext - newAcked) - (next - acked);
    acked = newAcked;
    next = newNext;
    if (delta != 0) {
      inFlightChange.accept(delta);
    }
  }
}
