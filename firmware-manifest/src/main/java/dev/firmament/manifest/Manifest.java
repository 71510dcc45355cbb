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
 * What a firmware signature vouches for: this product's build {@code version} is the image with
 * this SHA-256 and size. Its canonical encoding ({@link #toCanonicalJson()}, specified in {@code
 * docs/firmware-manifest.md}) is the exact byte string that is signed.
 *
 * @param productId the product the build belongs to
 * @param version the build's version, 1 to 64 characters from {@code A-Z a-z 0-9 . _ + -}
 * @param sha256 SHA-256 of the whole image, 64 lowercase hex digits
 * @param size size of the whole image in bytes, at least 1
 * @param createdAt when the manifest was signed; kept to whole seconds (UTC)
 */
public record Manifest(
    UUID productId, String version, String sha256, long size, Instant createdAt) {

  /** Names the encoding, so that a later format can never be mistaken for this one. */
  public static final String SCHEMA = "firmament-manifest-v1";

  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final DateTimeFormatter CREATED_AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern CANONICAL =
      Pattern.compile(
          "\\{\"createdAt\":\"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)\","
              + "\"productId\":\"([0-9a-f-]{36})\","
              + "\"schema\":\""
              + SCHEMA
              + "\","
              + "\"sha256\":\"([0-9a-f]{64})\","
              + "\"size\":([1-9][0-9]{0,18}),"
              + "\"version\":\"([A-Za-z0-9][A-Za-z0-9._+-]{0,63})\"\\}");

  public Manifest {
    Objects.requireNonNull(productId, "productId");
    Objects.requireNonNull(createdAt, "createdAt");
    if (version == null || !VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException("manifest version is not a valid version: " + version);
    }
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("manifest sha256 must be 64 lowercase hex digits");
    }
    if (size < 1) {
      throw new IllegalArgumentException("manifest size must be positive, was " + size);
    }
    createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
  }

  /**
   * The canonical JSON: keys in lexicographic order, no whitespace, no escapes (no field can hold a
   * character that would need one), UTF-8. Two equal manifests always encode to the same bytes.
   */
  public String toCanonicalJson() {
    return "{\"createdAt\":\""
        + CREATED_AT.format(createdAt)
        + "\",\"productId\":\""
        + productId
        + "\",\"schema\":\""
        + SCHEMA
        + "\",\"sha256\":\""
        + sha256
        + "\",\"size\":"
        + size
        + ",\"version\":\""
        + version
        + "\"}";
  }

  /**
   * Reads a manifest that must be in canonical form, byte for byte: anything else (reordered keys,
   * whitespace, extra fields) is refused, so that what is parsed is exactly what was signed.
   *
   * @throws IllegalArgumentException when the text is not a canonical manifest
   */
  public static Manifest parseCanonical(String json) {
    Matcher m = json == null ? null : CANONICAL.matcher(json);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("not a canonical " + SCHEMA + " manifest");
    }
    Manifest manifest;
    try {
      manifest =
          new Manifest(
              UUID.fromString(m.group(2)),
              m.group(5),
              m.group(3),
              Long.parseLong(m.group(4)),
              Instant.parse(m.group(1)));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a canonical " + SCHEMA + " manifest: " + e, e);
    }
    if (!manifest.toCanonicalJson().equals(json)) {
      throw new IllegalArgumentException("not a canonical " + SCHEMA + " manifest");
    }
    return manifest;
  }
}
