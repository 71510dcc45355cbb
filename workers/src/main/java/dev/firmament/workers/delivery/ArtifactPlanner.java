package dev.firmament.workers.delivery;

import dev.firmament.protocol.Artifact;
import dev.firmament.workers.rollout.RolloutRecords.UpdateTarget;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Chooses the bytes a device is sent for its update. Today: the full image of the target version,
 * read through the cache.
 */
@Component
public class ArtifactPlanner {
  private final ArtifactCache artifacts;
  private final int chunkSize;

  public ArtifactPlanner(
      ArtifactCache artifacts, @Value("${firmament.delivery.chunk-size:4096}") int chunkSize) {
    this.artifacts = artifacts;
    this.chunkSize = chunkSize;
  }

  public ArtifactPlan plan(UpdateTarget target) {
    byte[] image = artifacts.get(target.storageKey());
    return new ArtifactPlan(Artifact.full(image.length, target.sha256(), chunkSize), image);
  }
}
