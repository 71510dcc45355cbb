package dev.firmament.workers.delivery;

import dev.firmament.artifact.ArtifactStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Keeps recently delivered artifacts in memory, so that a rollout reads each image from the store
 * once rather than once per device. Bounded by total bytes; the least recently used go first.
 */
@Component
public class ArtifactCache {
  private final ArtifactStore store;
  private final long maxBytes;
  private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  public ArtifactCache(
      ArtifactStore store, @Value("${firmament.delivery.cache-bytes:268435456}") long maxBytes) {
    this.store = store;
    this.maxBytes = maxBytes;
  }

  public byte[] get(String storageKey) {
    synchronized (this) {
      byte[] cached = entries.get(storageKey);
      if (cached != null) {
        return cached;
      }
    }
    byte[] loaded = store.read(storageKey);
    synchronized (this) {
      if (!entries.containsKey(storageKey)) {
        entries.put(storageKey, loaded);
        bytes += loaded.length;
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
          Map.Entry<String, byte[]> eldest = it.next();
          if (eldest.getKey().equals(storageKey)) {
            break;
          }
          bytes -= eldest.getValue().length;
          it.remove();
        }
      }
    }
    return loaded;
  }
}
