package dev.firmament.delta.inplace;

/**
 * A single-slot device's flash as an in-place patch sees it: the slot that holds the running image
 * and receives the new one, and the segment the patch rewrites at a time (a multiple of the flash's
 * erase block, held in RAM while it is produced).
 *
 * @param memorySize bytes of the slot, a multiple of {@code segmentSize}, at most 4 GiB
 * @param segmentSize bytes rewritten per step: a power of two from {@value #MIN_SEGMENT} to {@value
 *     #MAX_SEGMENT}
 * @param decoderBudget RAM the patch's stream decoders may use on the device, beside the segment
 *     buffer: at least {@value #MIN_DECODER_BUDGET} bytes (three decoders with the smallest
 *     dictionary)
 */
public record InPlaceLayout(long memorySize, int segmentSize, int decoderBudget) {
  public static final int MIN_SEGMENT = 512;
  public static final int MAX_SEGMENT = 1 << 20;
  public static final long MAX_MEMORY = 1L << 32;

  /** The decoders' RAM when the device names none: 64 KiB. */
  public static final int DEFAULT_DECODER_BUDGET = 64 * 1024;

  /** Three raw LZMA decoders with a 4 KiB dictionary and no literal context fit in this. */
  public static final int MIN_DECODER_BUDGET = 3 * 10 * 1024;

  public InPlaceLayout {
    if (segmentSize < MIN_SEGMENT
        || segmentSize > MAX_SEGMENT
        || Integer.bitCount(segmentSize) != 1) {
      throw new IllegalArgumentException(
          "segment size must be a power of two from "
              + MIN_SEGMENT
              + " to "
              + MAX_SEGMENT
              + ", was "
              + segmentSize);
    }
    if (memorySize <= 0 || memorySize > MAX_MEMORY || memorySize % segmentSize != 0) {
      throw new IllegalArgumentException(
          "memory size must be a positive multiple of the segment size ("
              + segmentSize
              + ") up to 4 GiB, was "
              + memorySize);
    }
    if (decoderBudget < MIN_DECODER_BUDGET) {
      throw new IllegalArgumentException(
          "decoder budget must be at least " + MIN_DECODER_BUDGET + " bytes, was " + decoderBudget);
    }
  }

  public InPlaceLayout(long memorySize, int segmentSize) {
    this(memorySize, segmentSize, DEFAULT_DECODER_BUDGET);
  }

  /**
   * How far the old image moves up before the new one is written: the largest multiple of the
   * segment that the slot has free above the old image. The further it moves, the more of the old
   * image each segment of the new one can still copy from.
   */
  public long shiftFor(long oldSize) {
    long free = memorySize - oldSize;
    return free <= 0 ? 0 : free - free % segmentSize;
  }
}
