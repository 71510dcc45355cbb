package dev.firmament.workers.delivery;

import dev.firmament.artifact.ArtifactStoreException;
import dev.firmament.delta.DeltaChain;
import dev.firmament.delta.DeltaRoutes;
import dev.firmament.delta.DeltaRoutes.Patch;
import dev.firmament.delta.DeltaRoutes.Route;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.workers.rollout.JobTargets.UpdateTarget;
import java.util.ArrayList;
import java.util.List;
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
 * Chooses the bytes a device is sent for its update: the cheapest of the published patches from the
 * version the device reports (one patch, or a chain of them when the device declared it installs
 * chains), else the full image of the target version. Patches and images are read through the
 * cache.
 *
 * <p>Only published deltas are candidates, and a delta is published only after it was re-applied
 * and matched the target's SHA-256; the offer announces that target hash either way, so the device
 * checks the image it builds, not the patch. A chain also names each step's image hash, so a step
 * that goes wrong is caught at that step.
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

  /** The artifact for one device of a job: patches when they are cheaper, else the image. */
  public ArtifactPlan plan(UUID jobId, UpdateTarget target) {
    long now = System.nanoTime();
    // A job's firmware and its manifest never change; the published deltas may, so they are read
    // again after a few seconds (a delta published during a rollout reaches the next devices).
    DeltaCatalog.SignedManifest signed =
        cached(manifests, jobId, now, Long.MAX_VALUE, MAX_ENTRIES, () -> deltas.manifest(jobId));
    int maxSteps = maxSteps(target);
    Optional<Route> route =
        cached(
            routes,
            new RouteKey(jobId, target.deviceVersion(), maxSteps),
            now,
            DELTA_TTL_NANOS,
            MAX_ENTRIES,
            () ->
                DeltaRoutes.cheapest(
                    cached(
                        patches,
                        jobId,
                        now,
                        DELTA_TTL_NANOS,
                        MAX_ENTRIES,
                        () -> deltas.publishedPatches(jobId)),
                    target.deviceVersion(),
                    target.targetVersion(),
                    maxSteps));
    if (route.isPresent() && route.get().bytes() < target.size()) {
      Route r = route.get();
      try {
        byte[] bytes =
            r.isChain()
                ? cached(chains, r.patches(), now, DELTA_TTL_NANOS, MAX_CHAINS, () -> chain(r))
                : artifacts.get(r.patches().getFirst().storageKey());
        ArtifactKind kind = r.isChain() ? ArtifactKind.DELTA_CHAIN : ArtifactKind.DELTA;
        return new ArtifactPlan(
            new Artifact(
                kind,
                r.patches().getFirst().fromVersion(),
                bytes.length,
                target.sha256(),
                target.capabilities().chunkSize(chunkSize)),
            bytes,
            signed.signature(),
            signed.manifest(),
            r.isChain() ? null : r.patches().getFirst().storageKey());
      } catch (ArtifactStoreException e) {
        // The full image always works; a missing or damaged patch must not stop the update.
        log.warn(
            "patch unavailable, sending the full image route={} device={} error={}",
            r.patches().stream().map(Patch::storageKey).toList(),
            target.deviceId(),
            e.toString());
      }
    }
    ArtifactPlan full = plan(target);
    return new ArtifactPlan(
        full.artifact(), full.bytes(), signed.signature(), signed.manifest(), full.storageKey());
  }

  /** How many patches a route to this device may have: none, one, or a chain's worth. */
  static int maxSteps(UpdateTarget target) {
    return DeltaRoutes.maxSteps(
        target.accepts(ArtifactKind.DELTA), target.accepts(ArtifactKind.DELTA_CHAIN));
  }

  private byte[] chain(Route route) {
    List<DeltaChain.Link> links = new ArrayList<>(route.patches().size());
    for (Patch p : route.patches()) {
      links.add(new DeltaChain.Link(p.toVersion(), p.toSha256(), artifacts.get(p.storageKey())));
    }
    return DeltaChain.encode(links);
  }

  private record RouteKey(UUID jobId, String deviceVersion, int maxSteps) {}

  private record Cached<V>(V value, long expiresAt) {}

  /** How long the published patches of a job's product, and routes over them, are reused. */
  private static final long DELTA_TTL_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Entries kept before a cache is emptied (each is a few hundred bytes). */
  private static final int MAX_ENTRIES = 10_000;

  /** Encoded chains kept (each is as large as its patches). */
  private static final int MAX_CHAINS = 32;

  private final Map<UUID, Cached<DeltaCatalog.SignedManifest>> manifests =
      new ConcurrentHashMap<>();
  private final Map<UUID, Cached<List<Patch>>> patches = new ConcurrentHashMap<>();
  private final Map<RouteKey, Cached<Optional<Route>>> routes = new ConcurrentHashMap<>();
  private final Map<List<Patch>, Cached<byte[]>> chains = new ConcurrentHashMap<>();

  private static <K, V> V cached(
      Map<K, Cached<V>> cache, K key, long now, long ttlNanos, int maxEntries, Supplier<V> load) {
    Cached<V> hit = cache.get(key);
    if (hit != null && now - hit.expiresAt() < 0) {
      return hit.value();
    }
    V value = load.get();
    if (cache.size() >= maxEntries) {
      cache.clear();
    }
    long expiresAt = ttlNanos == Long.MAX_VALUE ? now + Long.MAX_VALUE / 2 : now + ttlNanos;
    cache.put(key, new Cached<>(value, expiresAt));
    return value;
  }

  /** The full image of the target version, without a signature. */
  public ArtifactPlan plan(UpdateTarget target) {
    byte[] image = artifacts.get(target.storageKey());
    return new ArtifactPlan(
        Artifact.full(image.length, target.sha256(), target.capabilities().chunkSize(chunkSize)),
        image,
        target.storageKey());
  }
}
