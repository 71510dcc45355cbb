package dev.firmament.workers.delivery;

import dev.firmament.artifact.ArtifactStoreException;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.workers.delivery.DeltaCatalog.PublishedDelta;
import dev.firmament.workers.rollout.JobTargets.UpdateTarget;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Chooses the bytes a device is sent for its update: the smallest published delta from the version
 * the device reports, else the full image of the target version. Both are read through the cache.
 *
 * <p>Only published deltas are candidates, and a delta is published only after it was re-applied
 * and matched the target's SHA-256; the offer announces that target hash either way, so the device
 * checks the image it builds, not the patch.
 */
@Component
public class ArtifactPlanner {
  private static final Logger log = LoggerFactory.getLogger(ArtifactPlanner.class);

  private final ArtifactCache artifacts;
  private final DeltaCatalog deltas;
  private final int chunkSize;

  public ArtifactPlanner(
      ArtifactCache artifacts,
      DeltaCatalog deltas,
      @Value("${firmament.delivery.chunk-size:4096}") int chunkSize) {
    this.artifacts = artifacts;
    this.deltas = deltas;
    this.chunkSize = chunkSize;
  }

  /** The artifact for one device of a job: a delta when one fits its version, else the image. */
  public ArtifactPlan plan(UUID jobId, UpdateTarget target) {
    long now = System.nanoTime();
    // A job's firmware and its manifest never change; the published deltas may, so they are read
    // again after a few seconds (a delta published during a rollout reaches the next devices).
    DeltaCatalog.SignedManifest signed =
        cached(manifests, jobId, now, Long.MAX_VALUE, () -> deltas.manifest(jobId));
    Optional<PublishedDelta> delta =
        cached(
            smallest,
            new DeltaKey(jobId, target.deviceVersion()),
            now,
            DELTA_TTL_NANOS,
            () -> deltas.smallestDelta(jobId, target.deviceVersion()));
    if (delta.isPresent() && delta.get().size() < target.size()) {
      PublishedDelta d = delta.get();
      try {
        byte[] patch = artifacts.get(d.storageKey());
        return new ArtifactPlan(
            new Artifact(
                ArtifactKind.DELTA, d.fromVersion(), patch.length, target.sha256(), chunkSize),
            patch,
            signed.signature(),
            signed.manifest());
      } catch (ArtifactStoreException e) {
        // The full image always works; a missing or damaged patch must not stop the update.
        log.warn(
            "delta unavailable, sending the full image key={} device={} error={}",
            d.storageKey(),
            target.deviceId(),
            e.toString());
      }
    }
    ArtifactPlan full = plan(target);
    return new ArtifactPlan(full.artifact(), full.bytes(), signed.signature(), signed.manifest());
  }

  private record DeltaKey(UUID jobId, String deviceVersion) {}

  private record Cached<V>(V value, long expiresAt) {}

  /** How long the smallest published delta for a job and version is reused. */
  private static final long DELTA_TTL_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Entries kept before a cache is emptied (each is a few hundred bytes). */
  private static final int MAX_ENTRIES = 10_000;

  private final Map<UUID, Cached<DeltaCatalog.SignedManifest>> manifests =
      new ConcurrentHashMap<>();
  private final Map<DeltaKey, Cached<Optional<PublishedDelta>>> smallest =
      new ConcurrentHashMap<>();

  private static <K, V> V cached(
      Map<K, Cached<V>> cache, K key, long now, long ttlNanos, Supplier<V> load) {
    Cached<V> hit = cache.get(key);
    if (hit != null && now - hit.expiresAt() < 0) {
      return hit.value();
    }
    V value = load.get();
    if (cache.size() >= MAX_ENTRIES) {
      cache.clear();
    }
    long expiresAt = ttlNanos == Long.MAX_VALUE ? now + Long.MAX_VALUE / 2 : now + ttlNanos;
    cache.put(key, new Cached<>(value, expiresAt));
    return value;
  }

  /** The full image of the target version, without a signature. */
  public ArtifactPlan plan(UpdateTarget target) {
    byte[] image = artifacts.get(target.storageKey());
    return new ArtifactPlan(Artifact.full(image.length, target.sha256(), chunkSize), image);
  }
}
