package dev.firmament.api.access;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** The access-control types of the seed schema, as the API returns them. Secrets never appear. */
public final class AccessModel {
  private AccessModel() {}

  public record User(UUID id, String email, String name, OffsetDateTime created) {}

  public record OrganizationMember(User user, String role, OffsetDateTime added) {}

  public record Team(UUID id, String name, OffsetDateTime created) {}

  public record TeamMember(UUID teamId, User user, OffsetDateTime added) {}

  public record Customer(UUID id, UUID productId, String email, OffsetDateTime created) {}

  public record CustomerDeviceMapping(UUID customerId, String deviceId, OffsetDateTime mapped) {}

  /**
   * A token as listed: {@code prefix} is the first characters of the secret, the only part kept.
   *
   * @param holder the member's email or {@code customer:<email>}
   */
  public record ApiToken(
      UUID id,
      String name,
      String prefix,
      List<String> scopes,
      String holder,
      String createdBy,
      OffsetDateTime created,
      OffsetDateTime expiresAt,
      OffsetDateTime revokedAt,
      OffsetDateTime lastUsed) {}

  public record OAuth2Client(
      UUID id,
      String clientId,
      String name,
      List<String> scopes,
      int tokenTtlSeconds,
      String createdBy,
      OffsetDateTime created,
      OffsetDateTime revokedAt) {}

  public record OAuth2Token(
      UUID id,
      String clientId,
      List<String> scopes,
      OffsetDateTime issued,
      OffsetDateTime expiresAt,
      OffsetDateTime revokedAt) {}

  /**
   * A key for signed requests (RFC 9421, hmac-sha256); its secret is derived by the server and
   * shown once, at creation.
   */
  public record SigningKey(
      UUID id,
      String keyId,
      String name,
      List<String> scopes,
      String holder,
      String createdBy,
      OffsetDateTime created,
      OffsetDateTime expiresAt,
      OffsetDateTime revokedAt,
      OffsetDateTime lastUsed) {}

  /** A new signing key with its secret, which is shown this once. */
  public record IssuedSigningKey(SigningKey signingKey, String secret) {}

  /** A new token with its secret, which is shown this once. */
  public record IssuedToken(ApiToken apiToken, String token) {}

  /** A new OAuth2 client with its secret, which is shown this once. */
  public record IssuedClient(OAuth2Client client, String clientSecret) {}
}
