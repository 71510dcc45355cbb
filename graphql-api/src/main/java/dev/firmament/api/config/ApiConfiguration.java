package dev.firmament.api.config;

import dev.firmament.api.ratelimit.RateLimitProperties;
import dev.firmament.api.rollout.RolloutProperties;
import dev.firmament.api.security.QueryLimitsProperties;
import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.broker.MosquittoDynamicSecurity;
import io.micrometer.observation.ObservationPredicate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.graphql.autoconfigure.GraphQlSourceBuilderCustomizer;
import org.springframework.context.annotation.Bean;
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
public class ApiConfiguration {
  /**
   * Observations of each GraphQL field's data fetcher and of each Spring Security filter are not
   * recorded: a page of 100 devices is some 500 field fetches, and measured at 500 requests/s these
   * observations took about a tenth of the API's CPU. Each request is still observed as a whole
   * ({@code http.server.requests}, {@code graphql.request}).
   */
  @Bean
  public ObservationPredicate perFieldObservationsOff() {
    return (name, context) ->
        !name.equals("graphql.datafetcher") && !name.startsWith("spring.security.");
  }

  /**
   * Reads {@code @BatchMapping} fields straight from their data loaders ({@link
   * BatchFieldShortcut}). Added by a customizer, which runs after Spring Boot has handed the
   * builder the instrumentation beans, so that it comes last in the chain: the fetcher it returns
   * is the one that runs.
   */
  @Bean
  public GraphQlSourceBuilderCustomizer batchFieldShortcut(ListableBeanFactory beans) {
    return builder -> builder.instrumentation(List.of(new BatchFieldShortcut(beans)));
  }

  /**
   * Parsed and validated documents are kept by their text ({@link DocumentCache}), at most {@code
   * firmament.api.document-cache-characters} characters of documents in all.
   */
  @Bean
  public GraphQlSourceBuilderCustomizer documentCache(
      @Value("${firmament.api.document-cache-characters:1000000}") long maxCharacters) {
    DocumentCache cache = new DocumentCache(maxCharacters);
    return builder -> builder.configureGraphQl(graphQl -> graphQl.preparsedDocumentProvider(cache));
  }

  /**
   * Device accounts in the production Mosquitto's dynamic-security plugin, kept as credentials are
   * issued and rotated; only when {@code firmament.mqtt.dynamic-security.enabled} is true (the
   * embedded broker reads Firmament's database instead). Connects on first use, so the API starts
   * while the broker is down.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnBooleanProperty("firmament.mqtt.dynamic-security.enabled")
  public MosquittoDynamicSecurity brokerAccounts(
      @Value("${firmament.mqtt.url:tcp://127.0.0.1:1883}") String url,
      @Value("${firmament.mqtt.tls:false}") boolean tls,
      @Value("${firmament.mqtt.tls-ca-file:}") String tlsCaFile,
      @Value("${firmament.mqtt.dynamic-security.admin-username:admin}") String adminUsername,
      @Value("${firmament.mqtt.dynamic-security.admin-password:}") String adminPassword,
      @Value("${firmament.mqtt.dynamic-security.device-role:firmament-device}") String deviceRole,
      @Value("${firmament.mqtt.dynamic-security.per-device-roles:false}") boolean perDeviceRoles,
      @Value("${firmament.mqtt.dynamic-security.timeout:10s}") Duration timeout) {
    if (adminPassword.isBlank()) {
      throw new IllegalStateException(
          "firmament.mqtt.dynamic-security.enabled needs"
              + " firmament.mqtt.dynamic-security.admin-password (FIRMAMENT_MQTT_DYNAMICSECURITY_ADMINPASSWORD)");
    }
    return new MosquittoDynamicSecurity(
        new MosquittoDynamicSecurity.Options(
            BrokerAddress.parse(url),
            tls,
            tlsCaFile.isBlank() ? null : Path.of(tlsCaFile),
            adminUsername,
            adminPassword,
            deviceRole,
            perDeviceRoles,
            timeout));
  }
}
