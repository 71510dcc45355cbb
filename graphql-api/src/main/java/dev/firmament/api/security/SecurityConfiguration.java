package dev.firmament.api.security;

import dev.firmament.api.access.AccessRepository;
import dev.firmament.api.access.RequestSigningKeys;
import dev.firmament.api.access.TokenIntrospector;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.ErrorResponses;
import dev.firmament.api.security.signature.RequestSignatureFilter;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.graphql.server.support.BearerTokenAuthenticationExtractor;
import org.springframework.graphql.server.webmvc.AuthenticationWebSocketInterceptor;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.OpaqueTokenAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.util.unit.DataSize;

/**
 * Every door of the API asks for a credential: {@code /graphql} and the REST endpoints take a
 * bearer token ({@code Authorization: Bearer fmt_...}), introspected against our own tables. Only
 * GraphiQL's and the console's static pages and the health probe are open; GraphiQL's own requests
 * carry the token the user puts in its headers. CI may sign its requests with a signing key instead
 * (RFC 9421, {@link RequestSignatureFilter}). A refused credential gets 401 with the reason, as
 * JSON.
 */
@Configuration
@EnableWebSecurity
@EnableMethodSecurity
public class SecurityConfiguration {

  /**
   * The operator console's static files are open, as GraphiQL's page is: the console holds no data
   * of its own and calls the API with the operator's token like any client. Its pages may load
   * nothing but its own files and talk to nothing but this origin (a Content-Security-Policy), so a
   * value shown on a page cannot bring in a script.
   */
  @Bean
  @Order(2)
  SecurityFilterChain consoleSecurity(HttpSecurity http) throws Exception {
    http.securityMatcher("/console", "/console/**")
        .csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .headers(
            headers ->
                headers
                    .contentSecurityPolicy(csp -> csp.policyDirectives(ConsoleConfiguration.POLICY))
                    .frameOptions(frame -> frame.deny()))
        .authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
    return http.build();
  }

  @Bean
  @Order(3)
  SecurityFilterChain apiSecurity(
      HttpSecurity http,
      TokenIntrospector introspector,
      AccessRepository access,
      RequestSigningKeys signingKeys,
      @Value("${firmament.security.signature-max-skew:5m}") Duration skew,
      @Value("${firmament.firmware.max-image-size:256MB}") DataSize maxBody)
      throws Exception {
    AuthenticationEntryPoint entryPoint = unauthenticated();
    // Signed requests (RFC 9421) authenticate before the bearer-token check; a filter built here,
    // not a bean, so the servlet container does not run it a second time outside the chain.
    http.addFilterBefore(
        new RequestSignatureFilter(
            access, signingKeys, introspector, entryPoint, skew, maxBody.toBytes()),
        BearerTokenAuthenticationFilter.class);
    AccessDeniedHandler denied = forbidden();
    http.csrf(csrf -> csrf.disable())
        // Security headers are written before the request is handled, not after: a live stream
        // sends its first event from another thread while the request's own thread is still on its
        // way out, and both writing the response's headers at once corrupts them.
        .headers(
            headers ->
                headers.addObjectPostProcessor(
                    new ObjectPostProcessor<HeaderWriterFilter>() {
                      @Override
                      public <O extends HeaderWriterFilter> O postProcess(O filter) {
                        filter.setShouldWriteHeadersEagerly(true);
                        return filter;
                      }
                    }))
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(
            requests ->
                requests
                    // The graphql-ws upgrade: browsers cannot set headers on it, so the credential
                    // may come in connection_init instead (liveAuthentication); a subscription
                    // without one is refused by the fields' access rules.
                    .requestMatchers(
                        "/graphiql", "/graphiql/**", "/graphql-ws", "/actuator/health/**", "/error")
                    .permitAll()
                    .anyRequest()
                    .authenticated())
        .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint).accessDeniedHandler(denied))
        .oauth2ResourceServer(
            resource ->
                resource
                    .authenticationEntryPoint(entryPoint)
                    .accessDeniedHandler(denied)
                    .opaqueToken(token -> token.introspector(introspector)));
    return http.build();
  }

  /**
   * Spring Security observes nothing of its own: each request is observed as a whole ({@code
   * http.server.requests}), and the observation predicate drops {@code spring.security.*} anyway.
   * Without this setting the filter chain still wraps every filter of every request in an
   * observation that the predicate then turns into a no-op.
   */
  @Bean
  SecurityObservationSettings securityObservations() {
    return SecurityObservationSettings.noObservations();
  }

  /**
   * graphql-ws: a bearer token in the {@code connection_init} payload ({@code {"Authorization":
   * "Bearer fmt_..."}}) authenticates the connection, checked by the same introspection as HTTP
   * requests; a refused token closes the connection.
   */
  @Bean
  AuthenticationWebSocketInterceptor liveAuthentication(TokenIntrospector introspector) {
    return new AuthenticationWebSocketInterceptor(
        new BearerTokenAuthenticationExtractor(),
        new ProviderManager(new OpaqueTokenAuthenticationProvider(introspector)));
  }

  private static AuthenticationEntryPoint unauthenticated() {
    BearerTokenAuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
    return (request, response, failure) -> {
      bearer.commence(request, response, failure);
      String reason =
          failure instanceof InvalidBearerTokenException
              ? failure.getMessage()
              : "a bearer token is required (Authorization: Bearer <token>)";
      ErrorResponses.write(response, ErrorCode.UNAUTHENTICATED, reason);
    };
  }

  private static AccessDeniedHandler forbidden() {
    return (request, response, failure) ->
        ErrorResponses.write(
            response, ErrorCode.FORBIDDEN, "the caller's credential does not allow this request");
  }
}
