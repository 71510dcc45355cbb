package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.delta.DeltaTaskQueues;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Uploads are stored unsigned with who uploaded them (the delta role, which alone holds the release
 * key, signs them as their delta build's first step), start their delta build, and expose
 * signature, build status and deltas through GraphQL. Where signed firmware is required, a build
 * that is not signed yet cannot be rolled out.
 */
@TestPropertySource(properties = "firmament.rollout.require-signed-firmware=true")
class FirmwareSigningTest extends ApiIntegrationTest {

  @Test
  void anUploadIsStoredUnsignedWithItsUploaderAndStartsItsDeltaBuild() {
    String productId = createProduct();
    byte[] image = ("signed image " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    String firmwareId = uploadFirmware(productId, "3.1.0", image);

    var row =
        dsl.selectFrom(PRODUCT_FIRMWARE)
            .where(PRODUCT_FIRMWARE.ID.eq(UUID.fromString(firmwareId)))
            .fetchOne();
    assertThat(row.getSignature()).isNull();
    assertThat(row.getManifest()).isNull();
    assertThat(row.getUploadedBy()).isEqualTo("owner@test.firmament.dev");
    assertThat(row.getDeltaBuildStatus()).isEqualTo("PENDING");
    // The build runs under its business key; no delta worker serves this test, so it waits.
    assertThat(
            STACK
                .temporal
                .getWorkflowClient()
                .newUntypedWorkflowStub(DeltaTaskQueues.deltaBuildWorkflowId(firmwareId))
                .describe()
                .getWorkflowType())
        .isEqualTo("DeltaBuildWorkflow");

    var answer = graphQl.documentName("FirmwareDeltas").variable("productId", productId).execute();
    answer.path("product.firmware.items[0].signature").valueIsNull();
    answer
        .path("product.firmware.items[0].deltaBuildStatus")
        .entity(String.class)
        .isEqualTo("PENDING");
    answer.path("product.firmware.items[0].deltas").entityList(Object.class).hasSize(0);
  }

  @Test
  void aBuildThatIsNotSignedYetCannotBeRolledOut() {
    String productId = createProduct();
    registerDevices(productId, unique("sig"), 1);
    String firmwareId =
        uploadFirmware(productId, "4.0.0", unique("img").getBytes(StandardCharsets.UTF_8));
    var before = rowCounts();

    assertRefused(
        graphQl
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "4.0.0"),
        "FAILED_PRECONDITION");
    assertThat(rowCounts()).isEqualTo(before);

    // Once the delta role has signed it, the rollout starts.
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.MANIFEST, "{}")
        .set(PRODUCT_FIRMWARE.SIGNATURE, "c2lnbmVk")
        .where(PRODUCT_FIRMWARE.ID.eq(UUID.fromString(firmwareId)))
        .execute();
    graphQl
        .documentName("CreateOTAJob")
        .variable("productId", productId)
        .variable("targetVersion", "4.0.0")
        .execute()
        .path("createOTAJob.job.id")
        .hasValue();
  }

  @Test
  void deltasAreListedPerFirmwareWithTheirSourceVersion() {
    String productId = createProduct();
    String v1 = uploadFirmware(productId, "1.0.0", "one".getBytes(StandardCharsets.UTF_8));
    String v2 = uploadFirmware(productId, "2.0.0", "two".getBytes(StandardCharsets.UTF_8));
    String v3 = uploadFirmware(productId, "3.0.0", "three".getBytes(StandardCharsets.UTF_8));
    UUID org =
        dsl.select(PRODUCT_FIRMWARE.ORGANIZATION_ID)
            .from(PRODUCT_FIRMWARE)
            .where(PRODUCT_FIRMWARE.ID.eq(UUID.fromString(v3)))
            .fetchOne(PRODUCT_FIRMWARE.ORGANIZATION_ID);
    insertDelta(org, productId, v1, v3, "NATIVE", "PUBLISHED", 40L, "ab".repeat(32), "small");
    insertDelta(org, productId, v2, v3, "NATIVE", "FULL_PREFERRED", null, null, "not worth it");
    insertDelta(org, productId, v1, v2, "NATIVE", "FAILED", null, null, "boom");

    var answer = graphQl.documentName("FirmwareDeltas").variable("productId", productId).execute();

    answer
        .path("product.firmware.items[?(@.version == '3.0.0')].deltas[*].fromVersion")
        .entityList(String.class)
        .containsExactly("1.0.0", "2.0.0");
    answer
        .path("product.firmware.items[?(@.version == '3.0.0')].deltas[0].size")
        .entityList(Long.class)
        .containsExactly(40L);
    answer
        .path("product.firmware.items[?(@.version == '3.0.0')].deltas[*].status")
        .entityList(String.class)
        .containsExactly("PUBLISHED", "FULL_PREFERRED");
    answer
        .path("product.firmware.items[?(@.version == '2.0.0')].deltas[*].status")
        .entityList(String.class)
        .containsExactly("FAILED");
    answer
        .path("product.firmware.items[?(@.version == '1.0.0')].deltas")
        .entityList(Object.class)
        .hasSize(1);
  }
}
