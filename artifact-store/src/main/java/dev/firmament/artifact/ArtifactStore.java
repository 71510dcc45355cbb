package dev.firmament.artifact;

import java.io.InputStream;
import java.util.Optional;

/**
 * Content-addressed storage for firmware images and deltas.
 *
 * <p>Every artifact is stored under a key derived from the SHA-256 of its bytes, so storing the
 * same bytes twice is a no-op and a key never changes meaning. The store keeps its own SHA-256 in
 * object metadata rather than relying on the backend's checksum support.
 */
public interface ArtifactStore {

  /**
   * Stores the bytes under their content address and returns it. Idempotent: storing bytes that are
   * already present returns the existing artifact.
   *
   * @throws ArtifactStoreException when the backend fails
   */
  StoredArtifact put(String kind, byte[] bytes);

  /**
   * Streams bytes of unknown length under their content address and returns it, hashing them as
   * they pass so that memory stays bounded whatever their size. Nothing is stored under the content
   * address before the stream has ended within {@code maxBytes}; a refused or broken-off stream
   * leaves nothing behind. Idempotent like {@link #put(String, byte[])}. The caller closes the
   * stream.
   *
   * @throws ArtifactTooLargeException when the stream holds more than {@code maxBytes}
   * @throws ArtifactInputException when reading the stream fails
   * @throws ArtifactStoreException when the backend fails
   */
  StoredArtifact put(String kind, InputStream bytes, long maxBytes);

  /** Returns the artifact's bytes; throws {@link ArtifactNotFoundException} when absent. */
  byte[] read(String storageKey);

  /** Opens the artifact for streaming; the caller closes the stream. */
  InputStream open(String storageKey);

  /** Returns the artifact's metadata, or empty when no artifact has that key. */
  Optional<StoredArtifact> stat(String storageKey);
}
