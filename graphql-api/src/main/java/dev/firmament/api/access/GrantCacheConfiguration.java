package dev.firmament.api.access;

import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The grant cache ({@link GrantCache}); {@code MutationAudit} drops what it keeps after every
 * mutation of this process.
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
}
