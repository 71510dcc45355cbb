package dev.firmament.protocol;

import java.nio.charset.StandardCharsets;

/** Argument checks shared by the message records; failures name the offending field. */
final class Checks {

  private Checks() {}

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  static void requireUpdateId(String updateId) {
    require(updateId != null && !updateId.isBlank(), "updateId is required");
    int bytes = updateId.getBytes(StandardCharsets.UTF_8).length;
    require(
        bytes <= ChunkFrame.MAX_UPDATE_ID_BYTES,
        "updateId must be at most "
            + ChunkFrame.MAX_UPDATE_ID_BYTES
            + " UTF-8 bytes, was "
            + bytes);
  }

  static void requireVersion(String field, String version) {
    require(version != null && !version.isBlank(), field + " is required");
    require(version.length() <= 128, field + " must be at most 128 characters");
  }
}
