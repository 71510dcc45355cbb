package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.delta.DeltaRoutes;
import dev.firmament.delta.DeltaRoutes.Patch;
import dev.firmament.orchestrator.delta.DeltaStatus;
import dev.firmament.sql.generated.tables.ProductFirmware;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/** The published deltas of a job's product and the manifest signature of its firmware. */
@Repository
public class DeltaCatalog {
  private final DSLContext dsl;

  public DeltaCatalog(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Every published patch between two builds of the job's product, smallest first (a pair may have
   * patches in more than one format), with its branch filter and codec: the planner keeps, per
   * device, the smallest of each pair that the device decodes ({@link
   * DeltaRoutes#smallestOfEachPair}) and finds routes over those.
   */
  public List<Patch> publishedPatches(UUID jobId) {
    ProductFirmware from = PRODUCT_FIRMWARE.as("from_build");
    ProductFirmware to = PRODUCT_FIRMWARE.as("to_build");
    List<Patch> all =
        dsl.select(
                from.VERSION,
                to.VERSION,
                to.SHA256,
                FIRMWARE_DELTAS.STORAGE_KEY,
                FIRMWARE_DELTAS.SIZE_BYTES,
                FIRMWARE_DELTAS.SHA256,
                FIRMWARE_DELTAS.BRANCH_FILTER,
                FIRMWARE_DELTAS.CODEC)
            .from(OTA_JOBS)
            .join(FIRMWARE_DELTAS)
            .on(
                FIRMWARE_DELTAS
                    .PRODUCT_ID
                    .eq(OTA_JOBS.PRODUCT_ID)
                    .and(FIRMWARE_DELTAS.ORGANIZATION_ID.eq(OTA_JOBS.ORGANIZATION_ID)))
            .join(from)
            .on(
                from.ID
                    .eq(FIRMWARE_DELTAS.FROM_FIRMWARE_ID)
                    .and(from.PRODUCT_ID.eq(OTA_JOBS.PRODUCT_ID)))
            .join(to)
            .on(to.ID.eq(FIRMWARE_DELTAS.TO_FIRMWARE_ID).and(to.PRODUCT_ID.eq(OTA_JOBS.PRODUCT_ID)))
            .where(OTA_JOBS.ID.eq(jobId))
            .and(FIRMWARE_DELTAS.STATUS.eq(DeltaStatus.PUBLISHED.name()))
            .orderBy(FIRMWARE_DELTAS.SIZE_BYTES.asc(), FIRMWARE_DELTAS.ID)
            .fetch(
                r ->
                    new Patch(
                        r.value1(),
                        r.value2(),
                        r.value3(),
                        r.value4(),
                        r.value5(),
                        r.value6(),
                        r.value7(),
                        r.value8()));
    return all;
  }

  /**
   * Where the image of {@code version} of the job's product is stored; empty when the product has
   * no build of that version.
   */
  public Optional<String> imageKey(UUID jobId, String version) {
    if (version == null) {
      return Optional.empty();
    }
    return dsl.select(PRODUCT_FIRMWARE.STORAGE_KEY)
        .from(OTA_JOBS)
        .join(PRODUCT_FIRMWARE)
        .on(
            PRODUCT_FIRMWARE
                .PRODUCT_ID
                .eq(OTA_JOBS.PRODUCT_ID)
                .and(PRODUCT_FIRMWARE.ORGANIZATION_ID.eq(OTA_JOBS.ORGANIZATION_ID)))
        .where(OTA_JOBS.ID.eq(jobId))
        .and(PRODUCT_FIRMWARE.VERSION.eq(version))
        .fetchOptional(PRODUCT_FIRMWARE.STORAGE_KEY);
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
