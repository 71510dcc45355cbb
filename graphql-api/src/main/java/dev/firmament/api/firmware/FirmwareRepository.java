package dev.firmament.api.firmware;

import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.artifact.StoredArtifact;
import dev.firmament.sql.generated.tables.records.ProductFirmwareRecord;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
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

  /** Newest first. */
  public List<Firmware> ofProducts(UUID organizationId, Collection<UUID> productIds) {
    return dsl.selectFrom(PRODUCT_FIRMWARE)
        .where(
            PRODUCT_FIRMWARE
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(PRODUCT_FIRMWARE.PRODUCT_ID.in(productIds)))
        .orderBy(PRODUCT_FIRMWARE.UPLOADED_AT.desc(), PRODUCT_FIRMWARE.ID)
        .fetch(FirmwareRepository::toFirmware);
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

  public Firmware insert(
      UUID organizationId, UUID productId, String version, String title, StoredArtifact artifact) {
    return dsl.insertInto(PRODUCT_FIRMWARE)
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

  private static Firmware toFirmware(ProductFirmwareRecord r) {
    return new Firmware(
        r.getId(),
        r.getProductId(),
        r.getVersion(),
        r.getTitle(),
        r.getSha256(),
        r.getSizeBytes(),
        r.getStorageKey(),
        r.getUploadedAt());
  }
}
