package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.artifact.Sha256;
import dev.firmament.artifact.signing.Manifest;
import dev.firmament.artifact.signing.ManifestVerifier;
import dev.firmament.artifact.signing.SigningKeys;
import dev.firmament.orchestrator.delta.DeltaTaskQueues;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Uploads are signed with the configured release key in the same row, start their delta build, and
 * expose signature, build status and deltas through GraphQL.
 */
class FirmwareSigningTest extends ApiIntegrationTest {
  private static final SigningKeys KEYS = SigningKeys.generate();

  @DynamicPropertySource
  static void signingKeys(DynamicPropertyRegistry registry) {
    registry.add("firmament.signing.private-key", KEYS::privateKeyBase64);
    registry.add("firmament.signing.public-key", KEYS::publicKeyBase64);
  }

  @Test
  void uploadIsSignedAndStartsItsDeltaBuild() {
    String productId = createProduct();
    byte[] image = ("signed image " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    String firmwareId = uploadFirmware(productId, "3.1.0", image);

    var row =
        dsl.selectFrom(PRODUCT_FIRMWARE)
            .where(PRODUCT_FIRMWARE.ID.eq(UUID.fromString(firmwareId)))
            .fetchOne();
    Manifest manifest =
        ManifestVerifier.of(KEYS.publicKeyBase64())
            .verifyImage(row.getManifest(), row.getSignature(), Sha256.hex(image), image.length);
    assertThat(manifest.productId()).isEqualTo(UUID.fromString(productId));
    assertThat(manifest.version()).isEqualTo("3.1.0");
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
    answer.path("product.firmware[0].signature").entity(String.class).isEqualTo(row.getSignature());
    answer.path("product.firmware[0].manifest").entity(String.class).isEqualTo(row.getManifest());
    answer.path("product.firmware[0].deltaBuildStatus").entity(String.class).isEqualTo("PENDING");
    answer.path("product.firmware[0].deltas").entityList(Object.class).hasSize(0);
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
    delta(org, productId, v1, v3, "PUBLISHED", 40L, "ab".repeat(32), "small");
    delta(org, productId, v2, v3, "FULL_PREFERRED", null, null, "not worth it");
    delta(org, productId, v1, v2, "FAILED", null, null, "boom");

    var answer = graphQl.documentName("FirmwareDeltas").variable("productId", productId).execute();

    answer
        .path("product.firmware[?(@.version == '3.0.0')].deltas[*].fromVersion")
        .entityList(String.class)
        .containsExactly("1.0.0", "2.0.0");
    answer
        .path("product.firmware[?(@.version == '3.0.0')].deltas[0].size")
        .entityList(Long.class)
        .containsExactly(40L);
    answer
        .path("product.firmware[?(@.version == '3.0.0')].deltas[*].status")
        .entityList(String.class)
        .containsExactly("PUBLISHED", "FULL_PREFERRED");
    answer
        .path("product.firmware[?(@.version == '2.0.0')].deltas[*].status")
        .entityList(String.class)
        .containsExactly("FAILED");
    answer
        .path("product.firmware[?(@.version == '1.0.0')].deltas")
        .entityList(Object.class)
        .hasSize(1);
  }

  private void delta(
      UUID org,
      String productId,
      String from,
      String to,
      String status,
      Long size,
      String sha256,
      String reason) {
    dsl.insertInto(FIRMWARE_DELTAS)
        .set(FIRMWARE_DELTAS.ID, UUID.randomUUID())
        .set(FIRMWARE_DELTAS.ORGANIZATION_ID, org)
        .set(FIRMWARE_DELTAS.PRODUCT_ID, UUID.fromString(productId))
        .set(FIRMWARE_DELTAS.FROM_FIRMWARE_ID, UUID.fromString(from))
        .set(FIRMWARE_DELTAS.TO_FIRMWARE_ID, UUID.fromString(to))
        .set(FIRMWARE_DELTAS.FORMAT, "NATIVE")
        .set(FIRMWARE_DELTAS.STATUS, status)
        .set(FIRMWARE_DELTAS.SIZE_BYTES, size)
        .set(FIRMWARE_DELTAS.SHA256, sha256)
        .set(FIRMWARE_DELTAS.STORAGE_KEY, sha256 == null ? null : "delta/" + sha256)
        .set(FIRMWARE_DELTAS.REASON, reason)
        .execute();
  }
}
