package dev.firmament.server;

import dev.firmament.devstack.DevStack;
import dev.firmament.devstack.DevStackOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The embedded services the production roles start on in these tests, one set per test class, and
 * the arguments that point a role at them.
 */
abstract class EmbeddedServicesTest {
  @TempDir static Path dataDir;

  static DevStack stack;

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
  static List<String> arguments(String... more) {
    return arguments(Map.of(), more);
  }

  /** As {@link #arguments(String...)}, with some of the stack's properties replaced. */
  static List<String> arguments(Map<String, String> replaced, String... more) {
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

  /** The API role on a free loopback port, on the stack's services with some replaced. */
  static ConfigurableApplicationContext apiOnLoopback(
      Map<String, String> replaced, String... more) {
    List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1"));
    args.addAll(List.of(more));
    return FirmamentServer.application("api")
        .run(arguments(replaced, args.toArray(String[]::new)).toArray(String[]::new));
  }

  /** {@code path} on the role's HTTP port. */
  static URI url(ConfigurableApplicationContext context, String path) {
    return URI.create(
        "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + path);
  }

  static int status(HttpClient http, URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.discarding()).statusCode();
  }

  /** The Prometheus scrape at {@code scrape} with the bearer token {@code scrape-secret}. */
  static HttpResponse<String> scrapeWithToken(HttpClient http, URI scrape) throws Exception {
    return http.send(
        HttpRequest.newBuilder(scrape).header("Authorization", "Bearer scrape-secret").build(),
        BodyHandlers.ofString());
  }
}
