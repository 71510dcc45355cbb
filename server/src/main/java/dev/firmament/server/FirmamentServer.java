package dev.firmament.server;

import dev.firmament.api.config.ApiConfiguration;
import dev.firmament.api.config.InfrastructureConfiguration;
import dev.firmament.workers.DeltaWorkers;
import dev.firmament.workers.WorkersConfiguration;
import dev.firmament.workers.delta.DeltaPipelineConfiguration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/**
 * The production entry point. One artifact, four roles, chosen by the first argument:
 *
 * <ul>
 *   <li>{@code api}: the GraphQL API (starts and queries rollouts, reads PostgreSQL);
 *   <li>{@code workers}: the Temporal workers (rollout workflows, delivery over MQTT), no HTTP;
 *   <li>{@code delta}: only the delta build workers (CPU-bound, scaled on their own), no HTTP;
 *   <li>{@code all} (default): API and workers in one process.
 * </ul>
 *
 * <p>Every backing service is external and configured by properties or environment variables (see
 * the README); nothing embedded is on this artifact's class path.
 */
public final class FirmamentServer {
  private FirmamentServer() {}

  /**
   * The GraphQL schema is on every role's class path (one artifact), but only the API serves it:
   * the roles without HTTP leave Spring for GraphQL's auto-configuration out.
   */
  static final String GRAPHQL_AUTO_CONFIGURATION =
      "org.springframework.boot.graphql.autoconfigure.GraphQlAutoConfiguration";

  /** API and workers in one process. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({InfrastructureConfiguration.class, ApiConfiguration.class, WorkersConfiguration.class})
  public static class AllInOne {}

  /** The API alone. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({InfrastructureConfiguration.class, ApiConfiguration.class})
  public static class ApiOnly {}

  /** The workers alone. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = GRAPHQL_AUTO_CONFIGURATION)
  @Import({InfrastructureConfiguration.class, WorkersConfiguration.class})
  public static class WorkersOnly {}

  /** The delta build workers alone: the {@code firmament-delta} task queue. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = GRAPHQL_AUTO_CONFIGURATION)
  @Import({InfrastructureConfiguration.class, DeltaPipelineConfiguration.class, DeltaWorkers.class})
  public static class DeltaOnly {}

  /** The roles, by the name the first argument gives them. */
  public static final List<String> ROLES = List.of("all", "api", "workers", "delta");

  /** The application of a role, named as {@link #ROLES}; empty for another name. */
  public static Optional<SpringApplicationBuilder> application(String role) {
    SpringApplicationBuilder app =
        switch (role) {
          case "all" -> new SpringApplicationBuilder(AllInOne.class);
          case "api" -> new SpringApplicationBuilder(ApiOnly.class);
          case "workers" ->
              new SpringApplicationBuilder(WorkersOnly.class).web(WebApplicationType.NONE);
          case "delta" ->
              new SpringApplicationBuilder(DeltaOnly.class).web(WebApplicationType.NONE);
          default -> null;
        };
    return Optional.ofNullable(app)
        .map(a -> a.properties("spring.application.name=firmament-" + role));
  }

  public static void main(String[] args) {
    String role = args.length > 0 && !args[0].startsWith("-") ? args[0] : "all";
    String[] rest =
        role.equals("all") && (args.length == 0 || args[0].startsWith("-"))
            ? args
            : Arrays.copyOfRange(args, 1, args.length);
    Optional<SpringApplicationBuilder> app = application(role);
    if (app.isEmpty()) {
      System.err.println("usage: firmament-server [all|api|workers|delta] [--property=value ...]");
      System.exit(2);
      return;
    }
    app.get().run(rest);
  }
}
