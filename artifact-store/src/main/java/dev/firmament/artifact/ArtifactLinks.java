package dev.firmament.artifact;

import java.time.Duration;
import java.time.Instant;

/**
 * Pre-signed links to stored artifacts, for devices that download their updates themselves over
 * HTTPS (docs/device-protocol.md, section 6.5). A link is scoped to one object, allows reading it
 * (whole or by range) and nothing else, and stops working when it expires. Signing is a local
 * computation: no request goes to storage.
 */
public interface ArtifactLinks {

  /** A signed link and its end. */
  record Link(String url, Instant expiresAt) {}

  /**
   * A link to read {@code storageKey} for {@code ttl}.
   *
   * @throws IllegalArgumentException when the key is not an artifact key or the lifetime is not
   *     between one second and seven days
   * @throws ArtifactStoreException when the link cannot be signed
   */
  Link presignGet(String storageKey, Duration ttl);
}
