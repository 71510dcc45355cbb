package dev.firmament.workers.delivery;

import dev.firmament.artifact.ArtifactStoreException;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.workers.delivery.DeltaCatalog.PublishedDelta;
import dev.firmament.workers.rollout.RolloutRecords.UpdateTarget;
import java.util.Optional;
import java.util.UUID;
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
    DeltaCatalog.SignedManifest signed = deltas.manifest(jobId);
    Optional<PublishedDelta> delta = deltas.smallestDelta(jobId, target.deviceVersion());
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

  /** The full image of the target version, without a signature. */
  public ArtifactPlan plan(UpdateTarget target) {
    byte[] image = artifacts.get(target.storageKey());
    return new ArtifactPlan(Artifact.full(image.length, target.sha256(), chunkSize), image);
  }
}
