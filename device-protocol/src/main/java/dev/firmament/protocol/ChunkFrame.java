package dev.firmament.protocol;

import java.util.Arrays;

/**
 * One binary frame on {@code fw/{deviceId}/data}: a slice of the artifact at an offset. The byte
 * layout is defined by {@link ProtocolCodec#encodeChunk} and documented in {@code
 * docs/device-protocol.md}.
 *
 * @param updateId the update the bytes belong to
 * @param offset position of the first payload byte in the artifact
 * @param payload the bytes, at least one
 */
public record ChunkFrame(String updateId, long offset, byte[] payload) {

  /** Largest update id, in UTF-8 bytes, that fits the frame's one-byte length field. */
  public static final int MAX_UPDATE_ID_BYTES = 255;

  public ChunkFrame {
    Checks.requireUpdateId(updateId);
    Checks.require(offset >= 0, "chunk offset must not be negative, was " + offset);
    Checks.require(payload != null && payload.length > 0, "chunk payload must not be empty");
  }

  /** Offset just past the last payload byte. */
  public long end() {
    return offset + payload.length;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ChunkFrame that
        && offset == that.offset
        && updateId.equals(that.updateId)
        && Arrays.equals(payload, that.payload);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * updateId.hashCode() + Long.hashCode(offset)) + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "ChunkFrame[updateId="
        + updateId
        + ", offset="
        + offset
        + ", length="
        + payload.length
        + "]";
  }
}
