package dev.firmament.workers.delta;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.orchestrator.delta.DeltaBuildResult;
import dev.firmament.orchestrator.delta.DeltaBuildStatus;
import dev.firmament.orchestrator.delta.DeltaStatus;
import dev.firmament.sql.generated.tables.ProductFirmware;
import dev.firmament.sql.generated.tables.records.FirmwareDeltasRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.InsertSetMoreStep;

/** The delta pipeline's view of the catalogue: firmware rows, installed versions, delta rows. */
public class DeltaRecords {
  private final DSLContext dsl;

  public DeltaRecords(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** A firmware build as the pipeline needs it. */
  public record Build(
      UUID id,
      UUID organizationId,
      UUID productId,
      String version,
      String sha256,
      long size,
      String storageKey) {}

  /** Whether a build is signed and who uploaded it (null when no authorised upload did). */
  public record Signing(boolean signed, String uploadedBy) {}

  public Optional<Signing> signing(UUID firmwareId) {
    return dsl.select(PRODUCT_FIRMWARE.SIGNATURE, PRODUCT_FIRMWARE.UPLOADED_BY)
        .from(PRODUCT_FIRMWARE)
        .where(PRODUCT_FIRMWARE.ID.eq(firmwareId))
        .fetchOptional(r -> new Signing(r.value1() != null, r.value2()));
  }

  /** Stores a build's signed manifest unless it has one; false when it already had. */
  public boolean storeSignature(UUID firmwareId, String manifest, String signature) {
    return dsl.update(PRODUCT_FIRMWARE)
            .set(PRODUCT_FIRMWARE.MANIFEST, manifest)
            .set(PRODUCT_FIRMWARE.SIGNATURE, signature)
            .where(PRODUCT_FIRMWARE.ID.eq(firmwareId))
            .and(PRODUCT_FIRMWARE.SIGNATURE.isNull())
            .execute()
        == 1;
  }

  public Optional<Build> build(UUID firmwareId) {
    return dsl.selectFrom(PRODUCT_FIRMWARE)
        .where(PRODUCT_FIRMWARE.ID.eq(firmwareId))
        .fetchOptional(
            r ->
                new Build(
                    r.getId(),
                    r.getOrganizationId(),
                    r.getProductId(),
                    r.getVersion(),
                    r.getSha256(),
                    r.getSizeBytes(),
                    r.getStorageKey()));
  }

  /**
   * The sources of a delta towards {@code target}: the {@code recent} most recently uploaded other
   * builds of the product, then the builds of every version a device of the product reports, in
   * version order, without duplicates.
   */
  public List<UUID> sourcesFor(Build target, int recent) {
    Set<UUID> sources = new LinkedHashSet<>();
    sources.addAll(
        dsl.select(PRODUCT_FIRMWARE.ID)
            .from(PRODUCT_FIRMWARE)
            .where(PRODUCT_FIRMWARE.PRODUCT_ID.eq(target.productId()))
            .and(PRODUCT_FIRMWARE.ORGANIZATION_ID.eq(target.organizationId()))
            .and(PRODUCT_FIRMWARE.ID.ne(target.id()))
            .orderBy(PRODUCT_FIRMWARE.UPLOADED_AT.desc(), PRODUCT_FIRMWARE.ID)
            .limit(recent)
            .fetch(PRODUCT_FIRMWARE.ID));
    ProductFirmware installed = PRODUCT_FIRMWARE.as("installed");
    sources.addAll(
        dsl.selectDistinct(installed.ID, installed.VERSION)
            .from(DEVICES)
            .join(installed)
            .on(
                installed
                    .PRODUCT_ID
                    .eq(DEVICES.PRODUCT_ID)
                    .and(installed.VERSION.eq(DEVICES.FIRMWARE_VERSION)))
            .where(DEVICES.PRODUCT_ID.eq(target.productId()))
            .and(DEVICES.ORGANIZATION_ID.eq(target.organizationId()))
            .and(installed.ID.ne(target.id()))
            .orderBy(installed.VERSION)
            .fetch(installed.ID));
    return new ArrayList<>(sources);
  }

  public Optional<DeltaBuildResult> existing(UUID fromId, UUID toId, String format) {
    return dsl.select(FIRMWARE_DELTAS.asterisk(), PRODUCT_FIRMWARE.VERSION)
        .from(FIRMWARE_DELTAS)
        .join(PRODUCT_FIRMWARE)
        .on(PRODUCT_FIRMWARE.ID.eq(FIRMWARE_DELTAS.FROM_FIRMWARE_ID))
        .where(FIRMWARE_DELTAS.FROM_FIRMWARE_ID.eq(fromId))
        .and(FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(toId))
        .and(FIRMWARE_DELTAS.FORMAT.eq(format))
        .and(FIRMWARE_DELTAS.VARIANT.eq(BUILD))
        .fetchOptional(r -> toResult(r.into(FIRMWARE_DELTAS), r.get(PRODUCT_FIRMWARE.VERSION)));
  }

  /** The variant of a build's own outcome row (sql V50). */
  static final String BUILD = "BUILD";

  /** The variant of a published LZMA patch's zstd-coded companion (sql V50). */
  static final String ZSTD_COMPANION = "ZSTD_COMPANION";

  /**
   * Records the zstd-coded companion of the published native patch {@code published} (coded with
   * LZMA): the same filter, stored as {@code companion}. Nothing is written unless the pair's build
   * row is that published patch (a concurrent build that lost keeps no companion), and a companion
   * already there stays. Returns whether the pair has the companion afterwards.
   */
  public boolean recordCompanion(
      Build from,
      Build to,
      DeltaBuildResult published,
      String branchFilter,
      StoredCompanion companion) {
    return dsl.transactionResult(
        tx -> {
          DSLContext t = tx.dsl();
          boolean buildIsThisPatch =
              t.fetchExists(
                  t.selectOne()
                      .from(FIRMWARE_DELTAS)
                      .where(FIRMWARE_DELTAS.FROM_FIRMWARE_ID.eq(from.id()))
                      .and(FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to.id()))
                      .and(FIRMWARE_DELTAS.FORMAT.eq(published.format()))
                      .and(FIRMWARE_DELTAS.VARIANT.eq(BUILD))
                      .and(FIRMWARE_DELTAS.STATUS.eq(DeltaStatus.PUBLISHED.name()))
                      .and(FIRMWARE_DELTAS.SHA256.eq(published.sha256())));
          if (!buildIsThisPatch) {
            return false;
          }
          newRow(t, from, to, published.format())
              .set(FIRMWARE_DELTAS.VARIANT, ZSTD_COMPANION)
              .set(
                  FIRMWARE_DELTAS.STORAGE_KEY,
                  DeltaBuildActivitiesImpl.DELTA_KIND + "/" + companion.sha256())
              .set(FIRMWARE_DELTAS.SIZE_BYTES, companion.size())
              .set(FIRMWARE_DELTAS.SHA256, companion.sha256())
              .set(FIRMWARE_DELTAS.STATUS, DeltaStatus.PUBLISHED.name())
              .set(
                  FIRMWARE_DELTAS.REASON,
                  "the build's patch coded with zstd, for devices without LZMA")
              .set(FIRMWARE_DELTAS.BUILD_MS, 0L)
              .set(FIRMWARE_DELTAS.BRANCH_FILTER, branchFilter)
              .set(FIRMWARE_DELTAS.CODEC, "ZSTD")
              .onConflictDoNothing()
              .execute();
          return true;
        });
  }

  /** A stored companion patch: its SHA-256 and size. */
  public record StoredCompanion(String sha256, long size) {}

  /**
   * Records the outcome of a pair. A published or full-preferred row is final and never replaced (a
   * concurrent second build of the same pair loses quietly); a failed row is replaced by the new
   * outcome. Returns the row as it stands afterwards.
   */
  public DeltaBuildResult record(Build from, Build to, DeltaBuildResult result) {
    return record(from, to, result, null, null);
  }

  /**
   * Records a build outcome; {@code branchFilter} and {@code codec} are the published native
   * patch's (null for other outcomes and BSDIFF40), which decide which devices may be sent it.
   */
  public DeltaBuildResult record(
      Build from, Build to, DeltaBuildResult result, String branchFilter, String codec) {
    String reason =
        result.reason() == null || result.reason().length() <= 1000
            ? result.reason()
            : result.reason().substring(0, 1000);
    Long size = result.sizeBytes() > 0 ? result.sizeBytes() : null;
    newRow(dsl, from, to, result.format())
        .set(FIRMWARE_DELTAS.STORAGE_KEY, storageKey(result))
        .set(FIRMWARE_DELTAS.SIZE_BYTES, size)
        .set(FIRMWARE_DELTAS.SHA256, result.sha256())
        .set(FIRMWARE_DELTAS.STATUS, result.status().name())
        .set(FIRMWARE_DELTAS.REASON, reason)
        .set(FIRMWARE_DELTAS.BUILD_MS, result.buildMillis())
        .set(FIRMWARE_DELTAS.BRANCH_FILTER, branchFilter)
        .set(FIRMWARE_DELTAS.CODEC, codec)
        .onConflict(
            FIRMWARE_DELTAS.FROM_FIRMWARE_ID,
            FIRMWARE_DELTAS.TO_FIRMWARE_ID,
            FIRMWARE_DELTAS.FORMAT,
            FIRMWARE_DELTAS.VARIANT)
        .doUpdate()
        .set(FIRMWARE_DELTAS.STORAGE_KEY, storageKey(result))
        .set(FIRMWARE_DELTAS.SIZE_BYTES, size)
        .set(FIRMWARE_DELTAS.SHA256, result.sha256())
        .set(FIRMWARE_DELTAS.STATUS, result.status().name())
        .set(FIRMWARE_DELTAS.REASON, reason)
        .set(FIRMWARE_DELTAS.BUILD_MS, result.buildMillis())
        .set(FIRMWARE_DELTAS.BRANCH_FILTER, branchFilter)
        .set(FIRMWARE_DELTAS.CODEC, codec)
        .where(FIRMWARE_DELTAS.STATUS.eq(DeltaStatus.FAILED.name()))
        .execute();
    return existing(from.id(), to.id(), result.format()).orElseThrow();
  }

  /** An insert of a row for the pair {@code from} to {@code to} in {@code format}, new id. */
  private static InsertSetMoreStep<FirmwareDeltasRecord> newRow(
      DSLContext dsl, Build from, Build to, String format) {
    return dsl.insertInto(FIRMWARE_DELTAS)
        .set(FIRMWARE_DELTAS.ID, UUID.randomUUID())
        .set(FIRMWARE_DELTAS.ORGANIZATION_ID, to.organizationId())
        .set(FIRMWARE_DELTAS.PRODUCT_ID, to.productId())
        .set(FIRMWARE_DELTAS.FROM_FIRMWARE_ID, from.id())
        .set(FIRMWARE_DELTAS.TO_FIRMWARE_ID, to.id())
        .set(FIRMWARE_DELTAS.FORMAT, format);
  }

  /** Sets the build status of a firmware; a missing row is not an error (nothing to record). */
  public void buildStatus(UUID firmwareId, DeltaBuildStatus status) {
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS, status.name())
        .where(PRODUCT_FIRMWARE.ID.eq(firmwareId))
        .execute();
  }

  private static String storageKey(DeltaBuildResult result) {
    return result.status() == DeltaStatus.PUBLISHED
        ? DeltaBuildActivitiesImpl.DELTA_KIND + "/" + result.sha256()
        : null;
  }

  private static DeltaBuildResult toResult(FirmwareDeltasRecord r, String fromVersion) {
    return new DeltaBuildResult(
        r.getFromFirmwareId().toString(),
        r.getToFirmwareId().toString(),
        fromVersion,
        DeltaStatus.valueOf(r.getStatus()),
        r.getFormat(),
        r.getSizeBytes() == null ? 0 : r.getSizeBytes(),
        r.getSha256(),
        r.getReason(),
        r.getBuildMs());
  }
}
