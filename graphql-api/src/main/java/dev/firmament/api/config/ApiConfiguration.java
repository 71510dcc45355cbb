package dev.firmament.api.config;

import dev.firmament.api.ratelimit.RateLimitProperties;
import dev.firmament.api.rollout.RolloutProperties;
import dev.firmament.api.security.QueryLimitsProperties;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;

/**
 * The API's beans: GraphQL controllers, services, repositories, the REST upload endpoint and the
 * error handling. A host process imports this class together with {@link
 * InfrastructureConfiguration} (or its own {@code WorkflowClient} and {@code ArtifactStore}), so
 * that the API can share one process with the workers.
 *
 * <p>The scan leaves out the production main and the infrastructure beans on purpose: a host that
 * brings its own Temporal client or artifact store must not get a second one.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  RolloutProperties.class,
  QueryLimitsProperties.class,
  RateLimitProperties.class
})
@ComponentScan(
    basePackages = "dev.firmament.api",
    excludeFilters = {
      @ComponentScan.Filter(type = FilterType.ANNOTATION, classes = SpringBootConfiguration.class),
      @ComponentScan.Filter(
          type = FilterType.ASSIGNABLE_TYPE,
          classes = InfrastructureConfiguration.class)
    })
public class ApiConfiguration {}
