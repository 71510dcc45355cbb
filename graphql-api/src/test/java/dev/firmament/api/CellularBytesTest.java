package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.SIMS;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code FirmwareOTAJob.cellularBytes} on PostgreSQL: a device not offered yet is expected to cost
 * what the workers would plan for it, over the product's published patches and the artifact kinds
 * it declared: a chain for a device that installs chains, one patch for one that installs patches
 * only, the image for one that installs images only or has no route; a planned device costs its
 * planned artifact, a skipped one and one on the target nothing, and a device without an active SIM
 * is not counted.
 */
class CellularBytesTest extends ApiIntegrationTest {
  private static final String CELLULAR =
      """
      query($id: ID!) {
        firmwareOTAJob(id: $id) { cellularBytes { stageIndex devices expectedBytes actualBytes } }
      }""";

  private static final String JOB =
      """
      mutation($productId: ID!) {
        createOTAJob(input: {productId: $productId, targetVersion: "1.2.0"}) { job { id } }
      }""";

  /** The chain's container: 9 bytes, and per step 41 bytes and its version's 5. */
  private static final long CHAIN_1_0_TO_1_2 = 9 + (41 + 5 + 300) + (41 + 5 + 70);

  @Test
  void devicesNotOfferedYetAreExpectedToCostWhatTheWorkersWouldPlan() {
    String productId = createProduct();
    List<String> d = registerDevices(productId, unique("cell"), 10);
    UUID org = organizationOf(d.getFirst());
    byte[] image = new byte[5_000];
    Arrays.fill(image, (byte) 7);
    String v10 = uploadFirmware(productId, "1.0.0", image);
    image[0] = 1;
    String v11 = uploadFirmware(productId, "1.1.0", image);
    image[1] = 2;
    String v12 = uploadFirmware(productId, "1.2.0", image);
    // No delta builder runs here: the uploads' builds stay pending, and the scenario's patches
    // take their place.
    dsl.deleteFrom(FIRMWARE_DELTAS)
        .where(FIRMWARE_DELTAS.PRODUCT_ID.eq(UUID.fromString(productId)))
        .execute();
    insertDelta(org, productId, v10, v11, "NATIVE", "PUBLISHED", 300L, "ab".repeat(32), null);
    insertDelta(org, productId, v11, v12, "NATIVE", "PUBLISHED", 70L, "ab".repeat(32), null);
    // A larger patch for the same pair is never the cheapest; a failed build is no patch at all.
    insertDelta(org, productId, v11, v12, "BSDIFF", "PUBLISHED", 90L, "ab".repeat(32), null);
    insertDelta(org, productId, v10, v12, "NATIVE", "FAILED", 10L, "ab".repeat(32), null);
    // The 70-byte patch uses the AArch64 branch filter: only devices that decode it get it.
    dsl.update(FIRMWARE_DELTAS)
        .set(FIRMWARE_DELTAS.BRANCH_FILTER, "ARM64")
        .where(FIRMWARE_DELTAS.PRODUCT_ID.eq(UUID.fromString(productId)))
        .and(FIRMWARE_DELTAS.SIZE_BYTES.eq(70L))
        .execute();
    String jobId =
        graphQl
            .document(JOB)
            .variable("productId", productId)
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();

    device(d.get(0), "1.0.0", "FULL,DELTA,DELTA_CHAIN");
    device(d.get(1), "1.0.0", null);
    device(d.get(2), "1.1.0", null);
    device(d.get(3), "1.1.0", "FULL");
    device(d.get(4), "1.2.0", "FULL,DELTA,DELTA_CHAIN");
    device(d.get(5), "1.0.0", "FULL,DELTA,DELTA_CHAIN");
    device(d.get(6), "1.0.0", "FULL,DELTA,DELTA_CHAIN");
    device(d.get(7), null, "FULL,DELTA,DELTA_CHAIN");
    device(d.get(8), "1.0.0", "FULL,DELTA,DELTA_CHAIN");
    device(d.get(9), "1.1.0", "FULL,DELTA");
    for (int i : new int[] {0, 9}) {
      dsl.update(DEVICES)
          .set(DEVICES.DELTA_FILTERS, "THUMB_BL,ARM64")
          .where(DEVICES.ID.eq(d.get(i)))
          .execute();
    }
    for (int i = 0; i < d.size(); i++) {
      result(org, jobId, d.get(i), "QUEUED", null, 0);
      sim(org, d.get(i), i == 8 ? "INACTIVE" : "ACTIVE");
    }
    // d5 was offered (its planned artifact and what was sent so far); d6 was skipped.
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.STATE, "DOWNLOADING")
        .set(OTA_RESULTS.ARTIFACT_SIZE_BYTES, 1_234L)
        .set(OTA_RESULTS.BYTES_SENT, 600L)
        .where(OTA_RESULTS.DEVICE_ID.eq(d.get(5)))
        .execute();
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.STATE, "SKIPPED")
        .where(OTA_RESULTS.DEVICE_ID.eq(d.get(6)))
        .execute();

    var cellular = graphQl.document(CELLULAR).variable("id", jobId).execute();
    cellular.path("firmwareOTAJob.cellularBytes").entityList(Object.class).hasSize(1);
    cellular.path("firmwareOTAJob.cellularBytes[0].stageIndex").entity(Integer.class).isEqualTo(0);
    cellular.path("firmwareOTAJob.cellularBytes[0].devices").entity(Integer.class).isEqualTo(9);
    cellular
        .path("firmwareOTAJob.cellularBytes[0].expectedBytes")
        .entity(Long.class)
        .isEqualTo(
            CHAIN_1_0_TO_1_2 // d0: installs chains and decodes AArch64, no direct patch
                + 5_000 // d1: declared nothing, so patches but no chain: no direct patch
                + 90 // d2: declared no filters: not the smaller patch, which uses AArch64
                + 5_000 // d3: installs images only
                + 0 // d4: already on the target
                + 1_234 // d5: its planned artifact
                + 0 // d6: skipped
                + 5_000 // d7: reports no version
                + 70); // d9: decodes AArch64: the smaller of the two direct patches
    cellular.path("firmwareOTAJob.cellularBytes[0].actualBytes").entity(Long.class).isEqualTo(600L);
  }

  private void device(String deviceId, String version, String artifactKinds) {
    dsl.update(DEVICES)
        .set(DEVICES.FIRMWARE_VERSION, version)
        .set(DEVICES.ARTIFACT_KINDS, artifactKinds)
        .where(DEVICES.ID.eq(deviceId))
        .execute();
  }

  private void result(
      UUID org, String jobId, String deviceId, String state, String errorCode, int stage) {
    dsl.insertInto(OTA_RESULTS)
        .set(OTA_RESULTS.ORGANIZATION_ID, org)
        .set(OTA_RESULTS.JOB_ID, UUID.fromString(jobId))
        .set(OTA_RESULTS.DEVICE_ID, deviceId)
        .set(OTA_RESULTS.STATE, state)
        .set(OTA_RESULTS.STAGE, stage)
        .set(OTA_RESULTS.ERROR_CODE, errorCode)
        .execute();
  }

  private void sim(UUID org, String deviceId, String status) {
    String digits = String.format("%010d", Math.abs(deviceId.hashCode()) % 10_000_000_000L);
    dsl.insertInto(SIMS)
        .set(SIMS.ID, UUID.randomUUID())
        .set(SIMS.ORGANIZATION_ID, org)
        .set(SIMS.ICCID, "8901" + digits + "00000")
        .set(SIMS.IMSI, "31041" + digits)
        .set(SIMS.CARRIER, "test")
        .set(SIMS.STATUS, status)
        .set(SIMS.MONTHLY_CAP_BYTES, 1_000_000L)
        .set(SIMS.OVERAGE_POLICY, "BLOCK")
        .set(SIMS.DEVICE_ID, deviceId)
        .set(SIMS.CREATED_BY, "test")
        .execute();
  }
}
