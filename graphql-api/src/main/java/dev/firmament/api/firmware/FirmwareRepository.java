package dev.firmament.api.firmware;

import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination.Window;
import dev.firmament.artifact.StoredArtifact;
import dev.firmament.orchestrator.delta.DeltaBuildStatus;
import dev.firmament.sql.generated.tables.records.ProductFirmwareRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.SortField;
import org.springframework.stereotype.Repository;

/** The firmware catalogue of one organization; every method takes the organization. */
@Repository
public class FirmwareRepository {
  private final DSLContext dsl;

  public FirmwareRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** A version of a product, the key under which devices report what they run. */
  public record ProductVersion(UUID productId, String version) {}

  public boolean versionExists(UUID organizationId, UUID productId, String version) {
    return dsl.fetchExists(
        PRODUCT_FIRMWARE,
        PRODUCT_FIRMWARE
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(PRODUCT_FIRMWARE.PRODUCT_ID.eq(productId))
            .and(PRODUCT_FIRMWARE.VERSION.eq(version)));
  }

  public Optional<Firmware> findByVersion(UUID organizationId, UUID productId, String version) {
    return dsl.selectFrom(PRODUCT_FIRMWARE)
        .where(
            PRODUCT_FIRMWARE
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(PRODUCT_FIRMWARE.PRODUCT_ID.eq(productId))
                .and(PRODUCT_FIRMWARE.VERSION.eq(version)))
        .fetchOptional(FirmwareRepository::toFirmware);
  }

  public List<Firmware> findByIds(UUID organizationId, Collection<UUID> ids) {
    return dsl.selectFrom(PRODUCT_FIRMWARE)
        .where(PRODUCT_FIRMWARE.ORGANIZATION_ID.eq(organizationId).and(PRODUCT_FIRMWARE.ID.in(ids)))
        .fetch(FirmwareRepository::toFirmware);
  }

  /** The sort keys of a product's firmware: newest first unless told otherwise. */
  public static List<SortField<?>> firmwareOrder(String sort) {
    return Paged.order(
        sort,
        "-uploadedAt",
        Paged.keys(
            Map.entry("uploadedAt", PRODUCT_FIRMWARE.UPLOADED_AT),
            Map.entry("version", PRODUCT_FIRMWARE.VERSION)),
        PRODUCT_FIRMWARE.ID);
  }

  /** A page of each product's uploads, in one statement. */
  public Map<UUID, Page<Firmware>> pagesOfProducts(
      UUID organizationId, Collection<UUID> productIds, Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(PRODUCT_FIRMWARE.asterisk()),
        PRODUCT_FIRMWARE,
        PRODUCT_FIRMWARE.ORGANIZATION_ID.eq(organizationId),
        PRODUCT_FIRMWARE.PRODUCT_ID,
        productIds,
        window,
        firmwareOrder(sort),
        r -> toFirmware(r.into(PRODUCT_FIRMWARE)));
  }

  /**
   * Each product's newest upload that was not invalidated, the one its devices should run; products
   * without one are absent.
   */
  public Map<UUID, Firmware> latestValid(UUID organizationId, Collection<UUID> productIds) {
    Map<UUID, Firmware> result = new HashMap<>();
    dsl.select(PRODUCT_FIRMWARE.asterisk())
        .distinctOn(PRODUCT_FIRMWARE.PRODUCT_ID)
        .from(PRODUCT_FIRMWARE)
        .where(
            PRODUCT_FIRMWARE
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(PRODUCT_FIRMWARE.PRODUCT_ID.in(productIds))
                .and(PRODUCT_FIRMWARE.INVALIDATED_AT.isNull()))
        .orderBy(
            PRODUCT_FIRMWARE.PRODUCT_ID, PRODUCT_FIRMWARE.UPLOADED_AT.desc(), PRODUCT_FIRMWARE.ID)
        .forEach(
            r -> {
              Firmware latest = toFirmware(r.into(PRODUCT_FIRMWARE));
              result.put(latest.productId(), latest);
            });
    return result;
  }

  /** The titles of these versions where they were uploaded (absent keys have no upload). */
  public Map<ProductVersion, String> titles(
      UUID organizationId, Collection<ProductVersion> versions) {
    Set<UUID> productIds =
        versions.stream().map(ProductVersion::productId).collect(Collectors.toSet());
    Set<String> names = versions.stream().map(ProductVersion::version).collect(Collectors.toSet());
    Map<ProductVersion, String> result = new HashMap<>();
    dsl.select(PRODUCT_FIRMWARE.PRODUCT_ID, PRODUCT_FIRMWARE.VERSION, PRODUCT_FIRMWARE.TITLE)
        .from(PRODUCT_FIRMWARE)
        .where(
            PRODUCT_FIRMWARE
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(PRODUCT_FIRMWARE.PRODUCT_ID.in(productIds))
                .and(PRODUCT_FIRMWARE.VERSION.in(names)))
        .forEach(
            r -> {
              if (r.value3() != null) {
                result.put(new ProductVersion(r.value1(), r.value2()), r.value3());
              }
            });
    return result;
  }

  /**
   * Inserts the catalogue row, unsigned, with who uploaded it, and marks its delta build as
   * pending; the delta role signs the manifest as the build's first step.
   */
  public Firmware insert(
      UUID organizationId,
      UUID productId,
      String version,
      String title,
      StoredArtifact artifact,
      String uploadedBy) {
    return dsl.insertInto(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.UPLOADED_BY, uploadedBy)
        .set(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS, DeltaBuildStatus.PENDING.name())
        .set(PRODUCT_FIRMWARE.ID, UUID.randomUUID())
        .set(PRODUCT_FIRMWARE.ORGANIZATION_ID, organizationId)
        .set(PRODUCT_FIRMWARE.PRODUCT_ID, productId)
        .set(PRODUCT_FIRMWARE.VERSION, version)
        .set(PRODUCT_FIRMWARE.TITLE, title)
        .set(PRODUCT_FIRMWARE.SHA256, artifact.sha256())
        .set(PRODUCT_FIRMWARE.SIZE_BYTES, artifact.size())
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, artifact.storageKey())
        .returning()
        .fetchSingle(FirmwareRepository::toFirmware);
  }

  /** Firmware of every organization whose delta build has not finished, oldest first. */
  public List<UUID> pendingDeltaBuilds() {
    return dsl.select(PRODUCT_FIRMWARE.ID)
        .from(PRODUCT_FIRMWARE)
        .where(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS.eq(DeltaBuildStatus.PENDING.name()))
        .orderBy(PRODUCT_FIRMWARE.UPLOADED_AT)
        .fetch(PRODUCT_FIRMWARE.ID);
  }

  public void setDeltaBuildStatus(UUID firmwareId, DeltaBuildStatus status) {
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS, status.name())
        .where(PRODUCT_FIRMWARE.ID.eq(firmwareId))
        .execute();
  }

  /** The delta builds towards each of these builds, smallest published first. */
  public Map<UUID, List<FirmwareDelta>> deltasOf(
      UUID organizationId, Collection<UUID> firmwareIds) {
    Map<UUID, List<FirmwareDelta>> result = new HashMap<>();
    dsl.select(
            FIRMWARE_DELTAS.TO_FIRMWARE_ID,
            PRODUCT_FIRMWARE.VERSION,
            FIRMWARE_DELTAS.FORMAT,
            FIRMWARE_DELTAS.SIZE_BYTES,
            FIRMWARE_DELTAS.SHA256,
            FIRMWARE_DELTAS.STATUS,
            FIRMWARE_DELTAS.REASON)
        .from(FIRMWARE_DELTAS)
        .join(PRODUCT_FIRMWARE)
        .on(PRODUCT_FIRMWARE.ID.eq(FIRMWARE_DELTAS.FROM_FIRMWARE_ID))
        .where(FIRMWARE_DELTAS.ORGANIZATION_ID.eq(organizationId))
        .and(FIRMWARE_DELTAS.TO_FIRMWARE_ID.in(firmwareIds))
        // The builds' outcomes; a zstd companion of an LZMA patch (sql V50) is not a build.
        .and(FIRMWARE_DELTAS.VARIANT.eq("BUILD"))
        .orderBy(
            FIRMWARE_DELTAS.TO_FIRMWARE_ID,
            FIRMWARE_DELTAS.STATUS.desc(),
            FIRMWARE_DELTAS.SIZE_BYTES.asc().nullsLast(),
            PRODUCT_FIRMWARE.VERSION)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(
                        new FirmwareDelta(
                            r.value2(),
                            r.value3(),
                            r.value4(),
                            r.value5(),
                            r.value6(),
                            r.value7())));
    return result;
  }

  private static Firmware toFirmware(ProductFirmwareRecord r) {
    return new Firmware(
        r.getId(),
        r.getProductId(),
        r.getVersion(),
        r.getTitle(),
        r.getSha256(),
        r.getSizeBytes(),
        r.getStorageKey(),
        r.getUploadedAt(),
        r.getManifest(),
        r.getSignature(),
        r.getDeltaBuildStatus(),
        r.getInvalidatedAt(),
        r.getInvalidReason());
  }
}
