package dev.firmament.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.devstack.DevStack;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.EmbeddedPostgres;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/** The production roles as {@code main} starts them, against the embedded services. */
class FirmamentServerTest {
  @TempDir static Path dataDir;

  private static DevStack stack;

  @BeforeAll
  static void startServices() {
    stack =
        DevStack.start(
            DevStackOptions.onFreePorts(dataDir.resolve("stack"))
                .withServices(
                    DevStack.Service.POSTGRES,
                    DevStack.Service.TEMPORAL,
                    DevStack.Service.S3,
                    DevStack.Service.MQTT));
  }

  @AfterAll
  static void stopServices() {
    if (stack != null) {
      stack.close();
    }
  }

  /** The stack's addresses as arguments; its S3 password is a development one, so allow it. */
  private static List<String> arguments(String... more) {
    return arguments(Map.of(), more);
  }

  /** As {@link #arguments(String...)}, with some of the stack's properties replaced. */
  private static List<String> arguments(Map<String, String> replaced, String... more) {
    List<String> args = new ArrayList<>();
    Map<String, String> properties = new java.util.LinkedHashMap<>(stack.toProperties());
    properties.putAll(replaced);
    for (Map.Entry<String, String> e : properties.entrySet()) {
      args.add("--" + e.getKey() + "=" + e.getValue());
    }
    args.add("--" + ProductionSettings.ALLOW_DEVELOPMENT_CREDENTIALS + "=true");
    args.addAll(List.of(more));
    return args;
  }

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
      HttpResponse<String> scraped =
          http.send(
              HttpRequest.newBuilder(scrape)
                  .header("Authorization", "Bearer scrape-secret")
                  .build(),
              BodyHandlers.ofString());
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

  /** The API role on a free loopback port, on the stack's services with some replaced. */
  private static ConfigurableApplicationContext apiOnLoopback(
      Map<String, String> replaced, String... more) {
    List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1"));
    args.addAll(List.of(more));
    return FirmamentServer.application("api")
        .run(arguments(replaced, args.toArray(String[]::new)).toArray(String[]::new));
  }

  /** {@code path} on the role's HTTP port. */
  private static URI url(ConfigurableApplicationContext context, String path) {
    return URI.create(
        "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + path);
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
      HttpResponse<String> scraped =
          http.send(
              HttpRequest.newBuilder(scrape)
                  .header("Authorization", "Bearer scrape-secret")
                  .build(),
              BodyHandlers.ofString());
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

  private static int status(HttpClient http, URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.discarding()).statusCode();
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
