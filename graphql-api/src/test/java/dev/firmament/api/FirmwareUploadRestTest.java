package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.artifact.ArtifactStore;
import dev.firmament.manifest.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/** The REST upload for CI: raw bytes in, {id, version, sha256, size} or {code, message} out. */
class FirmwareUploadRestTest extends ApiIntegrationTest {

  @Autowired MockMvcTester mvc;
  @Autowired ArtifactStore artifacts;

  @Test
  void storesTheImageAndAnswersItsDigest() {
    String productId = createProduct();
    byte[] image = ("rest image " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    String sha256 = Sha256.hex(image);

    var result =
        mvc.post()
            .uri("/api/v1/products/{id}/firmware?version=4.0.0&title=Four", productId)
            .header("Authorization", "Bearer " + ownerToken())
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .content(image)
            .exchange();

    assertThat(result).hasStatus(HttpStatus.CREATED);
    assertThat(result).bodyJson().extractingPath("$.version").isEqualTo("4.0.0");
    assertThat(result).bodyJson().extractingPath("$.sha256").isEqualTo(sha256);
    assertThat(result).bodyJson().extractingPath("$.size").isEqualTo(image.length);
    assertThat(artifacts.read("full/" + sha256)).isEqualTo(image);
    graphQl
        .documentName("ProductOverview")
        .variable("productId", productId)
        .execute()
        .path("product.firmware.items[0].title")
        .entity(String.class)
        .isEqualTo("Four");
  }

  @Test
  void answersTypedErrorsAndWritesNothing() {
    String productId = createProduct();
    byte[] image = ("dup " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    assertThat(post(productId, "1.0.0", image)).hasStatus(HttpStatus.CREATED);
    Map<String, Integer> before = rowCounts();

    assertError(post(productId, "1.0.0", new byte[] {9}), HttpStatus.CONFLICT, "ALREADY_EXISTS");
    assertError(
        post(UUID.randomUUID().toString(), "1.0.0", image), HttpStatus.NOT_FOUND, "NOT_FOUND");
    assertError(post(productId, "2.0.0", new byte[0]), HttpStatus.BAD_REQUEST, "INVALID_ARGUMENT");
    assertError(
        mvc.post()
            .uri("/api/v1/products/{id}/firmware", productId)
            .header("Authorization", "Bearer " + ownerToken())
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .content(image)
            .exchange(),
        HttpStatus.BAD_REQUEST,
        "INVALID_ARGUMENT");
    assertError(
        mvc.post()
            .uri("/api/v1/products/{id}/firmware?version=3.0.0", productId)
            .header("Authorization", "Bearer " + ownerToken())
            .contentType(MediaType.TEXT_PLAIN)
            .content("text")
            .exchange(),
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "INVALID_ARGUMENT");

    assertThat(rowCounts()).isEqualTo(before);
    assertThat(artifacts.stat("full/" + Sha256.hex(new byte[] {9}))).isEmpty();
  }

  private org.springframework.test.web.servlet.assertj.MvcTestResult post(
      String productId, String version, byte[] image) {
    return mvc.post()
        .uri("/api/v1/products/{id}/firmware?version={v}", productId, version)
        .header("Authorization", "Bearer " + ownerToken())
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .content(image)
        .exchange();
  }

  private static void assertError(
      org.springframework.test.web.servlet.assertj.MvcTestResult result,
      HttpStatus status,
      String code) {
    assertThat(result).hasStatus(status);
    assertThat(result).bodyJson().extractingPath("$.code").isEqualTo(code);
    assertThat(result).bodyJson().extractingPath("$.message").asString().isNotBlank();
  }
}
