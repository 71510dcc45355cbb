package dev.firmament.api.security;

import dev.firmament.api.access.AccessRepository;
import dev.firmament.api.access.AccessRepository.ClientCredentials;
import dev.firmament.api.access.AccessRepository.StoredClientToken;
import dev.firmament.api.access.Secrets;
import dev.firmament.api.audit.AuditRepository;
import dev.firmament.api.caller.Scope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.oauth2.server.authorization.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.ClientSecretAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;

/**
 * The OAuth2 token endpoint ({@code POST /oauth2/token}, client-credentials grant, client secret by
 * HTTP Basic or form), and {@code /oauth2/revoke}, served by Spring Authorization Server over our
 * own tables: clients are {@code oauth2_clients} rows made with {@code createOAuth2Client}, access
 * tokens are {@code fmo_} secrets stored as their SHA-256 in {@code oauth2_tokens}, which the API's
 * bearer-token check reads. A revoked client is unknown to the endpoint.
 */
@Configuration
public class OAuth2TokenEndpoint {

  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE)
  SecurityFilterChain oauth2TokenEndpoint(
      HttpSecurity http, AccessRepository access, AuditRepository audit) throws Exception {
    OAuth2AuthorizationServerConfigurer server = new OAuth2AuthorizationServerConfigurer();
    http.securityMatcher(server.getEndpointsMatcher())
        .with(
            server,
            s ->
                s.registeredClientRepository(new Clients(access))
                    .authorizationService(new IssuedTokens(access, audit))
                    .tokenGenerator(new OpaqueTokens())
                    .authorizationServerSettings(AuthorizationServerSettings.builder().build())
                    .clientAuthentication(
                        c ->
                            c.authenticationProviders(
                                providers ->
                                    providers.forEach(
                                        p -> {
                                          if (p
                                              instanceof
                                              ClientSecretAuthenticationProvider secret) {
                                            secret.setPasswordEncoder(new Sha256Secrets());
                                          }
                                        }))))
        .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
        .exceptionHandling(
            e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)))
        .csrf(csrf -> csrf.disable());
    return http.build();
  }

  /** Client secrets are 256 random bits stored as their SHA-256, compared in constant time. */
  static final class Sha256Secrets implements PasswordEncoder {
    @Override
    public String encode(CharSequence raw) {
      return Secrets.sha256(raw.toString());
    }

    @Override
    public boolean matches(CharSequence raw, String encoded) {
      if (raw == null || encoded == null) {
        return false;
      }
      return MessageDigest.isEqual(
          encode(raw).getBytes(StandardCharsets.US_ASCII),
          encoded.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** The organization's OAuth2 clients as Spring Authorization Server sees them. */
  static final class Clients implements RegisteredClientRepository {
    private final AccessRepository access;

    Clients(AccessRepository access) {
      this.access = access;
    }

    @Override
    public void save(RegisteredClient registeredClient) {
      throw new UnsupportedOperationException("clients are created with createOAuth2Client");
    }

    @Override
    public RegisteredClient findById(String id) {
      try {
        return access.clientByRowId(UUID.fromString(id)).map(Clients::toRegistered).orElse(null);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }

    @Override
    public RegisteredClient findByClientId(String clientId) {
      return access.findClient(clientId).map(Clients::toRegistered).orElse(null);
    }

    private static RegisteredClient toRegistered(ClientCredentials client) {
      if (client.revokedAt() != null) {
        return null;
      }
      return RegisteredClient.withId(client.id().toString())
          .clientId(client.clientId())
          .clientSecret(client.secretSha256())
          .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
          .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
          .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
          .scopes(
              scopes -> Scope.parse(client.scopes()).forEach(scope -> scopes.add(scope.value())))
          .tokenSettings(
              TokenSettings.builder()
                  .accessTokenFormat(OAuth2TokenFormat.REFERENCE)
                  .accessTokenTimeToLive(Duration.ofSeconds(client.tokenTtlSeconds()))
                  .build())
          .build();
    }
  }

  /** Access tokens: {@code fmo_} and 256 random bits, living for the client's token lifetime. */
  static final class OpaqueTokens implements OAuth2TokenGenerator<OAuth2AccessToken> {
    @Override
    public OAuth2AccessToken generate(
        org.springframework.security.oauth2.server.authorization.token.OAuth2TokenContext context) {
      if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
        return null;
      }
      Instant issuedAt = Instant.now();
      Instant expiresAt =
          issuedAt.plus(
              context.getRegisteredClient().getTokenSettings().getAccessTokenTimeToLive());
      return new OAuth2AccessToken(
          OAuth2AccessToken.TokenType.BEARER,
          Secrets.generate(Secrets.OAUTH2_TOKEN),
          issuedAt,
          expiresAt,
          context.getAuthorizedScopes());
    }
  }

  /** Issued tokens, kept only as their hash; the endpoint's revocation marks them revoked. */
  static final class IssuedTokens implements OAuth2AuthorizationService {
    private final AccessRepository access;
    private final AuditRepository audit;

    IssuedTokens(AccessRepository access, AuditRepository audit) {
      this.access = access;
      this.audit = audit;
    }

    @Override
    public void save(OAuth2Authorization authorization) {
      OAuth2Authorization.Token<OAuth2AccessToken> token = authorization.getAccessToken();
      if (token == null) {
        return;
      }
      String hash = Secrets.sha256(token.getToken().getTokenValue());
      if (token.isInvalidated()) {
        access.revokeClientToken(hash);
        return;
      }
      UUID clientRowId = UUID.fromString(authorization.getRegisteredClientId());
      ClientCredentials client = access.clientByRowId(clientRowId).orElseThrow();
      String scopes = Scope.format(Scope.parse(authorization.getAuthorizedScopes()));
      access.insertClientToken(
          client.organizationId(),
          clientRowId,
          scopes,
          hash,
          utc(token.getToken().getIssuedAt()),
          utc(token.getToken().getExpiresAt()));
      // A service's sign-in: recorded by the token's prefix, never the token.
      audit.append(
          client.organizationId(),
          "client:" + client.clientId(),
          "oauth2.token.issued",
          "client:" + client.clientId(),
          "{\"scopes\":\""
              + scopes
              + "\",\"prefix\":\""
              + Secrets.prefixOf(token.getToken().getTokenValue())
              + "\"}");
    }

    @Override
    public void remove(OAuth2Authorization authorization) {
      OAuth2Authorization.Token<OAuth2AccessToken> token = authorization.getAccessToken();
      if (token != null) {
        access.revokeClientToken(Secrets.sha256(token.getToken().getTokenValue()));
      }
    }

    @Override
    public OAuth2Authorization findById(String id) {
      return null;
    }

    @Override
    public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
      if (tokenType != null && !OAuth2TokenType.ACCESS_TOKEN.equals(tokenType)) {
        return null;
      }
      StoredClientToken stored = access.clientToken(Secrets.sha256(token)).orElse(null);
      if (stored == null) {
        return null;
      }
      RegisteredClient client = new Clients(access).findById(stored.clientRowId().toString());
      if (client == null) {
        return null;
      }
      Set<String> scopes = Set.copyOf(AccessRepository.scopeValues(stored.scopes()));
      OAuth2AccessToken accessToken =
          new OAuth2AccessToken(
              OAuth2AccessToken.TokenType.BEARER,
              token,
              stored.issuedAt().toInstant(),
              stored.expiresAt().toInstant(),
              scopes);
      return OAuth2Authorization.withRegisteredClient(client)
          .id(stored.clientRowId() + ":" + Secrets.prefixOf(token))
          .principalName(client.getClientId())
          .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
          .authorizedScopes(scopes)
          .token(
              accessToken,
              metadata ->
                  metadata.put(
                      OAuth2Authorization.Token.INVALIDATED_METADATA_NAME,
                      stored.revokedAt() != null))
          .build();
    }

    private static OffsetDateTime utc(Instant instant) {
      return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
  }
}
