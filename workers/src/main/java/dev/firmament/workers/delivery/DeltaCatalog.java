package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.orchestrator.delta.DeltaStatus;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/** The published deltas and the manifest signature of a job's firmware, as delivery needs them. */
@Repository
public class DeltaCatalog {
  private final DSLContext dsl;

  public DeltaCatalog(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** A published patch from {@code fromVersion} to the job's firmware. */
  public record PublishedDelta(String fromVersion, String storageKey, long size, String sha256) {}

  /**
   * The smallest published delta from the build of {@code deviceVersion} (in the job's product) to
   * the job's firmware, if there is one.
   */
  public Optional<PublishedDelta> smallestDelta(UUID jobId, String deviceVersion) {
    if (deviceVersion == null) {
      return Optional.empty();
    }
    return dsl.select(
            PRODUCT_FIRMWARE.VERSION,
            FIRMWARE_DELTAS.STORAGE_KEY,
            FIRMWARE_DELTAS.SIZE_BYTES,
            FIRMWARE_DELTAS.SHA256)
        .from(OTA_JOBS)
        .join(FIRMWARE_DELTAS)
        .on(
            FIRMWARE_DELTAS
                .TO_FIRMWARE_ID
                .eq(OTA_JOBS.FIRMWARE_ID)
                .and(FIRMWARE_DELTAS.ORGANIZATION_ID.eq(OTA_JOBS.ORGANIZATION_ID)))
        .join(PRODUCT_FIRMWARE)
        .on(
            PRODUCT_FIRMWARE
                .ID
                .eq(FIRMWARE_DELTAS.FROM_FIRMWARE_ID)
                .and(PRODUCT_FIRMWARE.PRODUCT_ID.eq(OTA_JOBS.PRODUCT_ID)))
        .where(OTA_JOBS.ID.eq(jobId))
        .and(PRODUCT_FIRMWARE.VERSION.eq(deviceVersion))
        .and(FIRMWARE_DELTAS.STATUS.eq(DeltaStatus.PUBLISHED.name()))
        .orderBy(FIRMWARE_DELTAS.SIZE_BYTES.asc(), FIRMWARE_DELTAS.ID)
        .limit(1)
        .fetchOptional(r -> new PublishedDelta(r.value1(), r.value2(), r.value3(), r.value4()));
  }

  /** The signed manifest of a build: canonical JSON and its base64 Ed25519 signature. */
  public record SignedManifest(String manifest, String signature) {
    static final SignedManifest NONE = new SignedManifest(null, null);
  }

  /** The job's firmware manifest and signature; both null for builds uploaded before signing. */
  public SignedManifest manifest(UUID jobId) {
    return dsl.select(PRODUCT_FIRMWARE.MANIFEST, PRODUCT_FIRMWARE.SIGNATURE)
        .from(OTA_JOBS)
        .join(PRODUCT_FIRMWARE)
        .on(PRODUCT_FIRMWARE.ID.eq(OTA_JOBS.FIRMWARE_ID))
        .where(OTA_JOBS.ID.eq(jobId))
        .fetchOptional(r -> new SignedManifest(r.value1(), r.value2()))
        .orElse(SignedManifest.NONE);
  }
}
