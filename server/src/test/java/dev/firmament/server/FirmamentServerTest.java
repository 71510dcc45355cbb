package dev.firmament.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.manifest.SigningKeys;
import dev.firmament.workers.delta.ReleaseSigning;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The production roles as {@code main} starts them, against the embedded services: the delta and
 * workers roles, and what each role waits for to be ready ({@link ApiRoleTest} has the API role).
 */
class FirmamentServerTest extends EmbeddedServicesTest {
  @Test
  void theDeltaRoleRefusesToStartWithoutSigningKeys() {
    assertThatThrownBy(
            () -> FirmamentServer.application("delta").run(arguments().toArray(String[]::new)))
        .isInstanceOf(UnsafeProductionSettings.class)
        .hasMessageContaining("firmament.signing.private-key-file")
        .hasMessageContaining("firmament.signing.allow-unsigned=true");
  }

  @Test
  void theDeltaRoleStartsUnsignedWhenToldTo() {
    try (ConfigurableApplicationContext context =
        FirmamentServer.application("delta")
            .run(arguments("--firmament.signing.allow-unsigned=true").toArray(String[]::new))) {
      assertThat(context.isRunning()).isTrue();
      assertThat(context.getBean(ReleaseSigning.class).configured()).isFalse();
    }
  }

  @Test
  void theDeltaRoleSignsWithKeyFiles() throws IOException {
    SigningKeys keys = SigningKeys.generate();
    Path privateFile = Files.writeString(dataDir.resolve("private.b64"), keys.privateKeyBase64());
    Path publicFile = Files.writeString(dataDir.resolve("public.b64"), keys.publicKeyBase64());
    try (ConfigurableApplicationContext context =
        FirmamentServer.application("delta")
            .run(
                arguments(
                        "--firmament.signing.private-key-file=" + privateFile,
                        "--firmament.signing.public-key-file=" + publicFile)
                    .toArray(String[]::new))) {
      assertThat(context.getBean(ReleaseSigning.class).configured()).isTrue();
    }
  }

  @Test
  void theWorkersRoleStarts() {
    try (ConfigurableApplicationContext context =
        FirmamentServer.application("workers")
            .run(arguments("--firmament.signing.allow-unsigned=true").toArray(String[]::new))) {
      assertThat(context.isRunning()).isTrue();
      assertThat(context.getBeansOfType(ReleaseSigning.class)).hasSize(1);
    }
  }

  @Test
  void theWorkersRoleServesItsProbesAndScrapeOnTheManagementPortAndNothingElse() throws Exception {
    try (ConfigurableApplicationContext context =
        FirmamentServer.application("workers")
            .run(
                arguments(
                        "--firmament.signing.allow-unsigned=true",
                        "--" + FirmamentServer.MANAGEMENT_PORT + "=0",
                        "--server.address=127.0.0.1",
                        "--firmament.metrics.token=scrape-secret")
                    .toArray(String[]::new))) {
      HttpClient http = HttpClient.newHttpClient();
      for (String probe : List.of("liveness", "readiness")) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(url(context, "/actuator/health/" + probe)).build(),
                BodyHandlers.ofString());
        assertThat(response.statusCode()).as(probe + " " + response.body()).isEqualTo(200);
        assertThat(response.body()).as(probe).contains("\"UP\"");
      }
      URI scrape = url(context, "/actuator/prometheus");
      assertThat(status(http, scrape)).isEqualTo(401);
      HttpResponse<String> scraped = scrapeWithToken(http, scrape);
      assertThat(scraped.statusCode()).isEqualTo(200);
      // The gateway's and the Temporal workers' meters, which only this role has.
      assertThat(scraped.body())
          .contains("role=\"workers\"")
          .contains("firmament_gateway_")
          .contains("temporal_");
      // No API here, and nothing else of the actuator.
      for (String path : List.of("/graphql", "/actuator/env", "/console/")) {
        assertThat(status(http, url(context, path))).as(path).isIn(401, 403, 404);
      }
    }
  }

  @Test
  void eachRoleIsReadyOnlyWithWhatItWorksWith() {
    assertThat(FirmamentServer.READINESS.get("api")).isEqualTo("readinessState,db,temporal,s3");
    assertThat(FirmamentServer.READINESS.get("all")).contains("temporal", "s3", "broker");
    assertThat(FirmamentServer.READINESS.get("workers")).contains("db", "broker");
    assertThat(FirmamentServer.READINESS.keySet())
        .containsExactlyInAnyOrderElementsOf(FirmamentServer.ROLES);
  }
}
