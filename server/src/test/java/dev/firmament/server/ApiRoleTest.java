package dev.firmament.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.devstack.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The API role as {@code main} starts it, against the embedded services: probes and scrape. */
class ApiRoleTest extends EmbeddedServicesTest {
  @Test
  void theApiRoleAnswersTheProbes() throws Exception {
    try (ConfigurableApplicationContext context =
        FirmamentServer.application("api")
            .run(
                arguments(
                        "--server.port=0",
                        "--server.address=127.0.0.1",
                        "--management.endpoint.health.group.readiness.show-details=always")
                    .toArray(String[]::new))) {
      String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
      HttpClient http = HttpClient.newHttpClient();
      for (String probe : List.of("liveness", "readiness")) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/actuator/health/" + probe)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(probe + " " + response.body()).isEqualTo(200);
        assertThat(response.body()).as(probe).contains("\"UP\"");
      }
      // The operator console is served, under its own policy; GraphiQL, a developer's tool, not.
      HttpResponse<String> console =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/console/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(console.statusCode()).isEqualTo(200);
      assertThat(console.headers().firstValue("Content-Security-Policy")).isPresent();
      assertThat(status(http, URI.create(base + "/graphiql"))).isIn(401, 404);
      // Nothing else of the actuator is served.
      HttpResponse<String> env =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/actuator/env")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(env.statusCode()).isNotEqualTo(200);
    }
  }

  @Test
  void thePrometheusScrapeNeedsItsOwnToken() throws Exception {
    try (ConfigurableApplicationContext context =
        apiOnLoopback(Map.of(), "--firmament.metrics.token=scrape-secret")) {
      URI scrape = url(context, "/actuator/prometheus");
      HttpClient http = HttpClient.newHttpClient();
      for (String header : List.of("", "Bearer wrong", "Bearer scrape-secretx")) {
        HttpRequest.Builder request = HttpRequest.newBuilder(scrape);
        if (!header.isEmpty()) {
          request.header("Authorization", header);
        }
        HttpResponse<String> refused = http.send(request.build(), BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(header).isEqualTo(401);
        assertThat(refused.body()).as(header).contains("UNAUTHENTICATED");
      }
      HttpResponse<String> scraped = scrapeWithToken(http, scrape);
      assertThat(scraped.statusCode()).isEqualTo(200);
      assertThat(scraped.body())
          .contains("firmament_rollouts{")
          .contains("status=\"SUCCEEDED\"")
          .contains("role=\"api\"")
          .contains("firmament_webhook_backlog")
          .contains("jvm_memory_used_bytes");
    }
  }

  @Test
  void withoutATokenTheScrapeIsRefused() throws Exception {
    try (ConfigurableApplicationContext context = apiOnLoopback(Map.of())) {
      HttpResponse<String> refused =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(url(context, "/actuator/prometheus"))
                      .header("Authorization", "Bearer anything")
                      .build(),
                  BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body()).contains("firmament.metrics.token");
    }
  }

  @Test
  void readinessFallsWhenPostgresStopsAndRisesWhenItIsBack() throws Exception {
    Path directory = dataDir.resolve("readiness-postgres");
    EmbeddedPostgres postgres = EmbeddedPostgres.start(directory, 0, false);
    int port = postgres.port();
    try (ConfigurableApplicationContext context =
        apiOnLoopback(
            Map.of(
                "spring.datasource.url", postgres.jdbcUrl(),
                "spring.datasource.username", postgres.username(),
                "spring.datasource.password", postgres.password()),
            // The probe must answer before a kubelet's timeout, not after Hikari's 30 s.
            "--spring.datasource.hikari.connection-timeout=2000",
            "--firmament.audit.seal-interval=1h")) {
      URI readiness = url(context, "/actuator/health/readiness");
      HttpClient http = HttpClient.newHttpClient();
      assertThat(status(http, readiness)).isEqualTo(200);

      postgres.close();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(http, readiness) == 503);
      // Liveness does not follow: a database that is away is no reason to restart the process.
      assertThat(status(http, URI.create(readiness.toString().replace("readiness", "liveness"))))
          .isEqualTo(200);

      postgres = EmbeddedPostgres.start(directory, port, false);
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(http, readiness) == 200);
    } finally {
      postgres.close();
    }
  }
}
