package dev.firmament.workers.delivery;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.firmament.artifact.ArtifactStore;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Keeps recently delivered artifacts in memory, so that a rollout reads each image from the store
 * once rather than once per device. Bounded by total bytes (Caffeine evicts the entries least
 * likely to be used again). Devices that miss the same artifact at the same time wait for one read
 * of the store instead of each reading it.
 */
@Component
public class ArtifactCache {
  private final ArtifactStore store;
  private final Cache<String, byte[]> entries;

  public ArtifactCache(
      ArtifactStore store, @Value("${firmament.delivery.cache-bytes:268435456}") long maxBytes) {
    this.store = store;
    this.entries =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String key, byte[] bytes) -> bytes.length)
            .build();
  }

  /**
   * The artifact's bytes. A failure of the store reaches the caller unchanged and caches nothing.
   */
  public byte[] get(String storageKey) {
    return entries.get(storageKey, store::read);
  }

  /** The bytes the cache holds now, as its bound counts them. */
  long cachedBytes() {
    return entries.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }
}
