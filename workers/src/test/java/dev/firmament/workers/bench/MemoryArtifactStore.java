package dev.firmament.workers.bench;

import dev.firmament.artifact.ArtifactStore;
import dev.firmament.artifact.StoredArtifact;
import dev.firmament.manifest.Sha256;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Artifacts in memory, content-addressed like the S3 store. Benchmark only. */
final class MemoryArtifactStore implements ArtifactStore {
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

  @Override
  public StoredArtifact put(String kind, byte[] bytes) {
    String sha256 = Sha256.hex(bytes);
    String key = kind + "/" + sha256;
    objects.put(key, bytes.clone());
    return new StoredArtifact(key, sha256, bytes.length);
  }

  @Override
  public StoredArtifact put(String kind, InputStream bytes, long maxBytes) {
    throw new UnsupportedOperationException("the benchmark only stores whole arrays");
  }

  @Override
  public byte[] read(String storageKey) {
    byte[] bytes = objects.get(storageKey);
    if (bytes == null) {
      throw new dev.firmament.artifact.ArtifactStoreException("no artifact " + storageKey);
    }
    return bytes;
  }

  @Override
  public InputStream open(String storageKey) {
    return new ByteArrayInputStream(read(storageKey));
  }

  @Override
  public Optional<StoredArtifact> stat(String storageKey) {
    byte[] bytes = objects.get(storageKey);
    return bytes == null
        ? Optional.empty()
        : Optional.of(
            new StoredArtifact(
                storageKey, storageKey.substring(storageKey.indexOf('/') + 1), bytes.length));
  }
}
