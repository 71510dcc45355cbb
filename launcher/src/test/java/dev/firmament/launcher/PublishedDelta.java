package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.sql.generated.tables.records.FirmwareDeltasRecord;
import java.util.UUID;
import org.jooq.DSLContext;

/** The end-to-end tests' look at the delta the pipeline published for the demo's update. */
final class PublishedDelta {
  private PublishedDelta() {}

  /**
   * The published delta build to {@link Demo#TO_VERSION} of the product: the patch the simulated
   * devices, which decode every codec, are sent (not its zstd companion for devices without LZMA).
   */
  static FirmwareDeltasRecord toDemoTarget(DSLContext db, String productId) {
    return db.selectFrom(FIRMWARE_DELTAS)
        .where(FIRMWARE_DELTAS.STATUS.eq("PUBLISHED"))
        .and(FIRMWARE_DELTAS.VARIANT.eq("BUILD"))
        .and(
            FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(
                db.select(PRODUCT_FIRMWARE.ID)
                    .from(PRODUCT_FIRMWARE)
                    .where(PRODUCT_FIRMWARE.VERSION.eq(Demo.TO_VERSION))
                    .and(PRODUCT_FIRMWARE.PRODUCT_ID.eq(UUID.fromString(productId)))))
        .fetchSingle();
  }
}
