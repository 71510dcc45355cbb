package dev.firmament.api.ratelimit;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers {@link RateLimitFilter} right after Spring Security's filter chain, so that it sees the
 * authenticated principal; requests refused for their credential never reach it.
 */
@Configuration(proxyBeanMethods = false)
public class RateLimitConfiguration {

  @Bean
  FilterRegistrationBean<RateLimitFilter> rateLimitFilter(
      RateLimitProperties settings, ObjectProvider<SecurityFilterProperties> securityFilter) {
    int securityOrder = securityFilter.getIfAvailable(SecurityFilterProperties::new).getOrder();
    FilterRegistrationBean<RateLimitFilter> registration =
        new FilterRegistrationBean<>(new RateLimitFilter(settings));
    registration.setOrder(securityOrder + 1);
    return registration;
  }
}
