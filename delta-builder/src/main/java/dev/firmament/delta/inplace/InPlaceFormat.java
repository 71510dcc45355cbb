package dev.firmament.delta.inplace;

import dev.firmament.delta.io.DeltaFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The header of an {@code FMINPLC1} patch (docs/delta-format.md, "In-place patches"): the layout it
 * was built for, both images' sizes and hashes, and its three raw LZMA streams.
 */
record InPlaceFormat(
    int segmentSize,
    long memorySize,
    long shift,
    long oldSize,
    long newSize,
    byte[] oldSha256,
    byte[] newSha256,
    int segmentCount,
    Stream ctrl,
    Stream diff,
    Stream extra) {

  static final byte[] MAGIC = "FMINPLC1".getBytes(StandardCharsets.US_ASCII);
  static final int CODEC_LZMA = 1;
  static final int HEADER_BYTES = 168;
  static final int MIN_DICT = 4096;
  static final int MAX_DICT = 1 << 24;

  /** A control entry is at most three 9-byte numbers; a segment adds its entry count. */
  private static final long MAX_CTRL_PER_BYTE = 27;

  /**
   * One raw LZMA stream.
   *
   * @param props the LZMA properties byte, {@code (pb * 5 + lp) * 9 + lc}
   * @param dictSize the dictionary the decoder needs
   * @param packed compressed bytes in the patch
   * @param raw bytes once decoded
   */
  record Stream(int props, int dictSize, long packed, long raw) {
    int lc() {
      return props % 9;
    }

    int lp() {
      return props / 9 % 5;
    }

    int pb() {
      return props / 45;
    }

    /**
     * RAM a device's LZMA decoder needs for this stream: the dictionary and the probability tables
     * (LZMA SDK's {@code LzmaDec}: {@code 1984 + 0x300 << (lc + lp)} 16-bit probabilities), plus
     * 256 bytes of state.
     */
    long decoderBytes() {
      return dictSize + 2L * (1984 + (0x300L << (lc() + lp()))) + 256;
    }
  }

  /** RAM the apply needs on the device: one segment and the three decoders. */
  long scratchBytes() {
    return segmentSize + ctrl.decoderBytes() + diff.decoderBytes() + extra.decoderBytes();
  }

  byte[] write() {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
    b.put(MAGIC).put((byte) CODEC_LZMA).put(new byte[3]);
    b.putInt(segmentSize).putLong(memorySize).putLong(shift).putLong(oldSize).putLong(newSize);
    b.put(oldSha256).put(newSha256).putInt(segmentCount);
    for (Stream s : new Stream[] {ctrl, diff, extra}) {
      b.put((byte) s.props()).put(new byte[3]).putInt(s.dictSize());
      b.putInt((int) s.packed()).putInt((int) s.raw());
    }
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, HEADER_BYTES - 4);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** Reads and checks the header of {@code patch}, the whole patch's length included. */
  static InPlaceFormat read(byte[] patch) throws DeltaFormatException {
    check(patch.length >= HEADER_BYTES, "in-place patch shorter than its header");
    check(Arrays.equals(patch, 0, 8, MAGIC, 0, 8), "not an in-place patch (magic)");
    CRC32 crc = new CRC32();
    crc.update(patch, 0, HEADER_BYTES - 4);
    ByteBuffer b = ByteBuffer.wrap(patch, 0, HEADER_BYTES);
    check(b.getInt(HEADER_BYTES - 4) == (int) crc.getValue(), "in-place patch header CRC mismatch");
    b.position(8);
    check(b.get() == CODEC_LZMA, "unknown in-place codec");
    check(b.get() == 0 && b.get() == 0 && b.get() == 0, "reserved header bytes must be zero");
    int segmentSize = b.getInt();
    long memorySize = b.getLong();
    long shift = b.getLong();
    long oldSize = b.getLong();
    long newSize = b.getLong();
    byte[] oldSha = new byte[32];
    byte[] newSha = new byte[32];
    b.get(oldSha).get(newSha);
    int segmentCount = b.getInt();
    Stream[] streams = new Stream[3];
    for (int i = 0; i < 3; i++) {
      int props = b.get() & 0xff;
      check(b.get() == 0 && b.get() == 0 && b.get() == 0, "reserved header bytes must be zero");
      streams[i] =
          new Stream(
              props, b.getInt(), Integer.toUnsignedLong(b.getInt()), b.getInt() & 0xffffffffL);
    }
    try {
      new InPlaceLayout(memorySize, segmentSize);
    } catch (IllegalArgumentException e) {
      throw new DeltaFormatException("in-place patch layout: " + e.getMessage());
    }
    check(
        shift >= 0 && shift % segmentSize == 0,
        "shift must be a non-negative multiple of the segment");
    check(oldSize >= 0 && oldSize <= Integer.MAX_VALUE, "old size out of range");
    check(newSize >= 0 && newSize <= Integer.MAX_VALUE, "new size out of range");
    check(shift + oldSize <= memorySize, "old image and its shift exceed the memory");
    check(newSize <= memorySize, "new image exceeds the memory");
    check(
        segmentCount == (newSize + segmentSize - 1) / segmentSize,
        "segment count does not match the new size");
    long packed = 0;
    for (Stream s : streams) {
      check(s.props() < 9 * 5 * 5, "LZMA properties out of range");
      check(s.lc() + s.lp() <= 4, "LZMA literal context and position bits above 4 in total");
      check(s.dictSize() >= MIN_DICT && s.dictSize() <= MAX_DICT, "LZMA dictionary out of range");
      packed += s.packed();
    }
    check(
        streams[1].raw() + streams[2].raw() == newSize,
        "diff and extra streams do not add up to the new size");
    check(
        streams[0].raw() <= MAX_CTRL_PER_BYTE * newSize + 9L * segmentCount,
        "control stream too large for the new size");
    check(
        HEADER_BYTES + packed == patch.length, "in-place patch length does not match its streams");
    return new InPlaceFormat(
        segmentSize,
        memorySize,
        shift,
        oldSize,
        newSize,
        oldSha,
        newSha,
        segmentCount,
        streams[0],
        streams[1],
        streams[2]);
  }

  static void check(boolean ok, String message) throws DeltaFormatException {
    if (!ok) {
      throw new DeltaFormatException(message);
    }
  }
}
