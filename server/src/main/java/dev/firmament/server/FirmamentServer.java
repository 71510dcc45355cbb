package dev.firmament.server;

import dev.firmament.api.config.ApiConfiguration;
import dev.firmament.api.config.InfrastructureConfiguration;
import dev.firmament.api.security.MetricsSecurity;
import dev.firmament.server.health.ServiceHealth;
import dev.firmament.workers.DeltaWorkers;
import dev.firmament.workers.WorkersConfiguration;
import dev.firmament.workers.delta.DeltaPipelineConfiguration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.graphql.autoconfigure.GraphQlAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The production entry point. One artifact, four roles, chosen by the first argument:
 *
 * <ul>
 *   <li>{@code api}: the GraphQL API (starts and queries rollouts, reads PostgreSQL);
 *   <li>{@code workers}: the Temporal workers (rollout workflows, delivery over MQTT), with HTTP
 *       only for the probes and the scrape on the management port ({@value #MANAGEMENT_PORT},
 *       default {@value #DEFAULT_MANAGEMENT_PORT});
 *   <li>{@code delta}: only the delta build workers (CPU-bound, scaled on their own), with the same
 *       management port;
 *   <li>{@code all} (default): API and workers in one process.
 * </ul>
 *
 * <p>Every backing service is external and configured by properties or environment variables (see
 * the README); nothing embedded is on this artifact's class path.
 */
public final class FirmamentServer {
  private FirmamentServer() {}

  /** API and workers in one process. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({
    InfrastructureConfiguration.class,
    ApiConfiguration.class,
    WorkersConfiguration.class,
    ServiceHealth.Api.class,
    ServiceHealth.Workers.class
  })
  public static class AllInOne {}

  /** The API alone. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({InfrastructureConfiguration.class, ApiConfiguration.class, ServiceHealth.Api.class})
  public static class ApiOnly {}

  /**
   * The workers alone. The GraphQL schema is on the class path (it comes with the API module), but
   * this role serves no GraphQL, so its auto-configuration stays off: it would build the schema
   * without the API's scalars and fail.
   */
  @SpringBootConfiguration
  @EnableAutoConfiguration(exclude = GraphQlAutoConfiguration.class)
  @Import({
    InfrastructureConfiguration.class,
    WorkersConfiguration.class,
    ServiceHealth.Workers.class,
    MetricsSecurity.class,
    ManagementOnly.class
  })
  public static class WorkersOnly {}

  /** The delta build workers alone: the {@code firmament-delta} task queue; no GraphQL either. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(exclude = GraphQlAutoConfiguration.class)
  @Import({
    InfrastructureConfiguration.class,
    DeltaPipelineConfiguration.class,
    DeltaWorkers.class,
    MetricsSecurity.class,
    ManagementOnly.class
  })
  public static class DeltaOnly {}

  /**
   * The management port of the roles without the API: the probes are open, the scrape needs its
   * token ({@link MetricsSecurity}), and nothing else is served.
   */
  @Configuration
  public static class ManagementOnly {
    @Bean
    @Order(2)
    SecurityFilterChain managementOnly(HttpSecurity http) throws Exception {
      http.csrf(csrf -> csrf.disable())
          .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
          .authorizeHttpRequests(
              requests ->
                  requests
                      .requestMatchers("/actuator/health", "/actuator/health/**")
                      .permitAll()
                      .anyRequest()
                      .denyAll());
      return http.build();
    }
  }

  /** The setting of the workers' and delta roles' HTTP port, which serves the probes and scrape. */
  public static final String MANAGEMENT_PORT = "firmament.management.port";

  /** Where the workers and delta roles serve their probes and scrape unless told otherwise. */
  public static final int DEFAULT_MANAGEMENT_PORT = 9090;

  public static void main(String[] args) {
    String role = args.length > 0 && !args[0].startsWith("-") ? args[0] : "all";
    String[] rest =
        role.equals("all") && (args.length == 0 || args[0].startsWith("-"))
            ? args
            : Arrays.copyOfRange(args, 1, args.length);
    if (!ROLES.contains(role)) {
      System.err.println("usage: firmament-server [all|api|workers|delta] [--property=value ...]");
      System.exit(2);
    }
    application(role).run(rest);
  }

  /**
   * What each role's readiness checks: the database always; Temporal and the object store where the
   * API runs; the broker session where the workers deliver. The workers and delta roles answer them
   * on their management port.
   */
  static final Map<String, String> READINESS =
      Map.of(
          "all", "readinessState,db,temporal,s3,broker",
          "api", "readinessState,db,temporal,s3",
          "workers", "readinessState,db,broker",
          "delta", "readinessState,db");

  /** The roles {@link #application} knows. */
  public static final List<String> ROLES = List.of("all", "api", "workers", "delta");

  /**
   * The application of one role. Before any bean is created it checks the settings against {@link
   * ProductionSettings}: a production role does not start on development defaults.
   */
  public static SpringApplicationBuilder application(String role) {
    SpringApplicationBuilder app =
        switch (role) {
          case "all" -> new SpringApplicationBuilder(AllInOne.class);
          case "api" -> new SpringApplicationBuilder(ApiOnly.class);
          case "workers" -> management(new SpringApplicationBuilder(WorkersOnly.class));
          case "delta" -> management(new SpringApplicationBuilder(DeltaOnly.class));
          default -> throw new IllegalArgumentException("unknown role " + role);
        };
    return app.properties(
            "spring.application.name=firmament-" + role,
            // Liveness and readiness groups at /actuator/health/{liveness,readiness} for the
            // probes (deploy/); readiness also needs what the role works with (READINESS). Health
            // and the Prometheus scrape (which needs firmament.metrics.token) are exposed, nothing
            // else.
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.group.readiness.include=" + READINESS.get(role),
            "management.endpoints.web.exposure.include=health,prometheus",
            "management.metrics.tags.role=" + role,
            // JSON lines (Elastic Common Schema) with the logging context's fields: the
            // workers' activities put their workflow, job and device there.
            "logging.structured.format.console=ecs")
        .initializers(context -> ProductionSettings.check(role, context.getEnvironment()));
  }

  /**
   * A role without the API serves HTTP only for its probes and scrape, on {@value #MANAGEMENT_PORT}
   * ({@code server.port} when given wins, as for the API).
   */
  private static SpringApplicationBuilder management(SpringApplicationBuilder app) {
    return app.web(WebApplicationType.SERVLET)
        .properties("server.port=${" + MANAGEMENT_PORT + ":" + DEFAULT_MANAGEMENT_PORT + "}");
  }
}
