package dev.firmament.delta;

import java.util.HexFormat;

/**
 * Outcome of applying a patch.
 *
 * @param format the patch format that was applied
 * @param newSize bytes written
 * @param newSha256 SHA-256 of the bytes written (verified against the header for native patches)
 * @param bufferBytes heap bytes the applier allocated for its own buffers during this apply (the
 *     bzip2/zstd decoders' internal state is bounded separately; see the module README)
 */
public record ApplyResult(PatchFormat format, long newSize, byte[] newSha256, long bufferBytes) {
  public ApplyResult {
    newSha256 = newSha256.clone();
  }

  @Override
  public byte[] newSha256() {
    return newSha256.clone();
  }

  public String newSha256Hex() {
    return HexFormat.of().formatHex(newSha256);
  }
}
