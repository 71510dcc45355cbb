package dev.firmament.api.security;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;

/**
 * The Prometheus endpoint's chain, before any other: it is read with the scrape token ({@link
 * MetricsTokenFilter}), never with an API token. Every role that serves HTTP has it: the API on its
 * port, the workers and delta roles on their management port.
 */
@Configuration
public class MetricsSecurity {
  @Bean
  @Order(1)
  SecurityFilterChain scrapeSecurity(
      HttpSecurity http,
      @Value("${firmament.metrics.token:}") String token,
      @Value("${firmament.metrics.open:false}") boolean open)
      throws Exception {
    http.securityMatcher("/actuator/prometheus")
        .csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .addFilterBefore(new MetricsTokenFilter(token, open), AuthorizationFilter.class)
        .authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
    return http.build();
  }
}
