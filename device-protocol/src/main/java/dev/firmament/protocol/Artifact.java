package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.regex.Pattern;

/**
 * The artifact an offer announces: the bytes the server will push on the data topic.
 *
 * @param kind full image or delta patch
 * @param fromVersion the version a delta or chain applies to; required for {@link
 *     ArtifactKind#DELTA} and {@link ArtifactKind#DELTA_CHAIN}, optional for full images
 * @param size length of the artifact in bytes, at least 1
 * @param sha256 SHA-256 of the resulting image in 64 lowercase hex digits; for a full image this is
 *     the hash of the artifact itself
 * @param chunkSize payload bytes per chunk frame (every frame but the last carries exactly this
 *     many), {@value #MIN_CHUNK_SIZE} to {@value #MAX_CHUNK_SIZE}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Artifact(
    ArtifactKind kind, String fromVersion, long size, String sha256, int chunkSize) {

  /** Smallest chunk payload the protocol allows. */
  public static final int MIN_CHUNK_SIZE = 64;

  /** Largest chunk payload the protocol allows; keeps one frame well inside MQTT packet limits. */
  public static final int MAX_CHUNK_SIZE = 1 << 20;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public Artifact {
    Checks.require(kind != null, "artifact.kind is required");
    Checks.require(size > 0, "artifact.size must be positive, was " + size);
    Checks.require(
        sha256 != null && SHA256.matcher(sha256).matches(),
        "artifact.sha256 must be 64 lowercase hex digits");
    Checks.require(
        chunkSize >= MIN_CHUNK_SIZE && chunkSize <= MAX_CHUNK_SIZE,
        "artifact.chunkSize must be in ["
            + MIN_CHUNK_SIZE
            + ", "
            + MAX_CHUNK_SIZE
            + "], was "
            + chunkSize);
    Checks.require(
        !kind.needsBaseImage() || (fromVersion != null && !fromVersion.isBlank()),
        "artifact.fromVersion is required for a " + kind + " artifact");
  }

  /** A full image. */
  public static Artifact full(long size, String sha256, int chunkSize) {
    return new Artifact(ArtifactKind.FULL, null, size, sha256, chunkSize);
  }

  /** Number of chunk frames the artifact takes. */
  public long chunkCount() {
    return (size + chunkSize - 1) / chunkSize;
  }
}
