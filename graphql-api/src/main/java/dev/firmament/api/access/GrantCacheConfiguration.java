package dev.firmament.api.access;

import dev.firmament.api.MutationWrapping;
import graphql.schema.DataFetcher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.graphql.autoconfigure.GraphQlSourceBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The grant cache ({@link GrantCache}) and what keeps this process's own changes visible at once.
 */
@Configuration(proxyBeanMethods = false)
public class GrantCacheConfiguration {

  /**
   * How long a credential's grant is kept: {@code firmament.access.grant-cache-ttl}, 30 s unless
   * set; 0 reads every grant from the database.
   */
  @Bean
  GrantCache grantCache(
      DataSource dataSource, @Value("${firmament.access.grant-cache-ttl:30s}") Duration ttl) {
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("firmament.access.grant-cache-ttl must be 0 or more");
    }
    return new GrantCache(dataSource, ttl);
  }

  /**
   * Drops the kept grants after every mutation of this process has finished: the change it may have
   * made to a credential holds for the next request here at once, without waiting for the
   * database's notification (which still tells the other processes).
   */
  @Bean
  GraphQlSourceBuilderCustomizer grantCacheAfterMutations(GrantCache grants) {
    return builder ->
        builder.typeVisitors(
            List.of(
                MutationWrapping.visitor((mutation, fetcher) -> invalidating(grants, fetcher))));
  }

  private static DataFetcher<?> invalidating(GrantCache grants, DataFetcher<?> fetcher) {
    return environment -> {
      Object result;
      try {
        result = fetcher.get(environment);
      } catch (Exception | Error e) {
        grants.invalidateAll();
        throw e;
      }
      if (result instanceof CompletionStage<?> stage) {
        return stage.whenComplete((value, error) -> grants.invalidateAll());
      }
      grants.invalidateAll();
      return result;
    };
  }
}
