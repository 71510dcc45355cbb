package dev.firmament.manifest;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The release side's permission for one device to install one older build in one update: a
 * rollback, or a downgrade a release engineer asked for. A device refuses every downgrade that does
 * not come with a grant signed by the release key naming its id, the offer's update id, the build's
 * version and image hash and the product of that build, before it expires. The rollback flag of an
 * offer is not signed; this is.
 *
 * <p>Its canonical encoding ({@link #toCanonicalJson()}, in {@code docs/firmware-manifest.md}) is
 * the exact byte string that is signed, like a {@link Manifest}'s.
 *
 * @param productId the product of the build
 * @param deviceId the one device the grant is for
 * @param updateId the one update (the offer's update id) the grant is for
 * @param version the older build's version
 * @param sha256 the older build's image hash, 64 lowercase hex digits
 * @param expiresAt after this instant (whole seconds, UTC) the grant is void
 */
public record DowngradeGrant(
    UUID productId,
    String deviceId,
    String updateId,
    String version,
    String sha256,
    Instant expiresAt) {

  /** Names the encoding, so that a grant can never be mistaken for a manifest. */
  public static final String SCHEMA = "firmament-downgrade-v1";

  private static final String DEVICE = "[A-Za-z0-9_-]{1,64}";
  private static final String UPDATE = "[A-Za-z0-9][A-Za-z0-9/._-]{0,199}";
  private static final String VERSION = "[A-Za-z0-9][A-Za-z0-9._+-]{0,63}";
  private static final DateTimeFormatter INSTANT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern CANONICAL =
      Pattern.compile(
          "\\{\"deviceId\":\"("
              + DEVICE
              + ")\",\"expiresAt\":\"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)\","
              + "\"productId\":\"([0-9a-f-]{36})\",\"schema\":\""
              + SCHEMA
              + "\",\"sha256\":\"([0-9a-f]{64})\",\"updateId\":\"("
              + UPDATE
              + ")\",\"version\":\"("
              + VERSION
              + ")\"\\}");

  public DowngradeGrant {
    Objects.requireNonNull(productId, "productId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    require(deviceId, DEVICE, "deviceId");
    require(updateId, UPDATE, "updateId");
    require(version, VERSION, "version");
    require(sha256, "[0-9a-f]{64}", "sha256");
    expiresAt = expiresAt.truncatedTo(ChronoUnit.SECONDS);
  }

  private static void require(String value, String pattern, String name) {
    if (value == null || !value.matches(pattern)) {
      throw new IllegalArgumentException("grant " + name + " is not valid: " + value);
    }
  }

  /** Keys in lexicographic order, no whitespace, no escapes (no field can need one), UTF-8. */
  public String toCanonicalJson() {
    return "{\"deviceId\":\""
        + deviceId
        + "\",\"expiresAt\":\""
        + INSTANT.format(expiresAt)
        + "\",\"productId\":\""
        + productId
        + "\",\"schema\":\""
        + SCHEMA
        + "\",\"sha256\":\""
        + sha256
        + "\",\"updateId\":\""
        + updateId
        + "\",\"version\":\""
        + version
        + "\"}";
  }

  /**
   * Reads a grant that must be in canonical form byte for byte.
   *
   * @throws IllegalArgumentException when the text is not a canonical grant
   */
  public static DowngradeGrant parseCanonical(String json) {
    Matcher m = json == null ? null : CANONICAL.matcher(json);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("not a canonical " + SCHEMA + " grant");
    }
    DowngradeGrant grant;
    try {
      grant =
          new DowngradeGrant(
              UUID.fromString(m.group(3)),
              m.group(1),
              m.group(5),
              m.group(6),
              m.group(4),
              Instant.parse(m.group(2)));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a canonical " + SCHEMA + " grant: " + e, e);
    }
    if (!grant.toCanonicalJson().equals(json)) {
      throw new IllegalArgumentException("not a canonical " + SCHEMA + " grant");
    }
    return grant;
  }
}
