package dev.firmament.api.security;

import dev.firmament.api.access.TokenIntrospector;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.ErrorResponses;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Every door of the API asks for a credential: {@code /graphql} and the REST endpoints take a
 * bearer token ({@code Authorization: Bearer fmt_...}), introspected against our own tables. Only
 * GraphiQL's static page and the health probe are open; GraphiQL's own requests carry the token the
 * user puts in its headers. A refused credential gets 401 with the reason, as JSON.
 */
@Configuration
@EnableWebSecurity
@EnableMethodSecurity
public class SecurityConfiguration {

  @Bean
  SecurityFilterChain apiSecurity(HttpSecurity http, TokenIntrospector introspector)
      throws Exception {
    AuthenticationEntryPoint entryPoint = unauthenticated();
    AccessDeniedHandler denied = forbidden();
    http.csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(
            requests ->
                requests
                    .requestMatchers("/graphiql", "/graphiql/**", "/actuator/health/**", "/error")
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
