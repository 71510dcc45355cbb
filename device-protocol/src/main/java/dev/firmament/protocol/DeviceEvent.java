package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Device to cloud, on {@code fw/{deviceId}/events}: a named event with optional data.
 *
 * @param name 1 to {@value #MAX_NAME_LENGTH} characters of {@code [A-Za-z0-9_.:/-]}, not starting
 *     with {@code firmament/} (the cloud's own events)
 * @param data at most {@value #MAX_DATA_BYTES} UTF-8 bytes; absent is empty
 * @param ttl seconds a subscriber that resumes late may still be handed the event, 1 to {@value
 *     #MAX_TTL_SECONDS}; absent is {@value #DEFAULT_TTL_SECONDS}
 * @param scope {@code private} (the organization's members only; the default) or {@code product}
 *     (also the customer the device belongs to, whose token reads its devices' product events)
 * @param publishedAt when the device published it, for an event it kept while it was offline and
 *     sends on reconnect (a backfill); absent for an event sent as it happens
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeviceEvent(
    String name, String data, Integer ttl, String scope, Instant publishedAt) {
  public static final int MAX_NAME_LENGTH = 64;
  public static final int MAX_DATA_BYTES = 1024;
  public static final int DEFAULT_TTL_SECONDS = 60;
  public static final int MAX_TTL_SECONDS = 86_400;

  /** The prefix of the cloud's own event names, which devices may not use. */
  public static final String CLOUD_PREFIX = "firmament/";

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9_.:/-]{1," + MAX_NAME_LENGTH + "}");

  public DeviceEvent {
    Checks.require(
        name != null && NAME.matcher(name).matches(),
        "name must be 1 to " + MAX_NAME_LENGTH + " characters of [A-Za-z0-9_.:/-], was " + name);
    Checks.require(
        !name.startsWith(CLOUD_PREFIX), "name may not start with " + CLOUD_PREFIX + ": " + name);
    data = data == null ? "" : data;
    int bytes = data.getBytes(StandardCharsets.UTF_8).length;
    Checks.require(
        bytes <= MAX_DATA_BYTES,
        "data must be at most " + MAX_DATA_BYTES + " UTF-8 bytes, was " + bytes);
    ttl = ttl == null ? DEFAULT_TTL_SECONDS : ttl;
    Checks.require(
        ttl >= 1 && ttl <= MAX_TTL_SECONDS,
        "ttl must be 1 to " + MAX_TTL_SECONDS + " seconds, was " + ttl);
    scope = scope == null ? "private" : scope;
    Checks.require(
        scope.equals("private") || scope.equals("product"),
        "scope must be private or product, was " + scope);
  }

  /** An event sent as it happens. */
  public DeviceEvent(String name, String data, Integer ttl, String scope) {
    this(name, data, ttl, scope, null);
  }

  /** A private event with the default time-to-live. */
  public static DeviceEvent of(String name, String data) {
    return new DeviceEvent(name, data, null, null, null);
  }

  /** Whether the device kept it while offline and sends it late. */
  @JsonIgnore
  public boolean isBackfill() {
    return publishedAt != null;
  }

  /** This event as a backfill published at {@code at}. */
  public DeviceEvent publishedAt(Instant at) {
    return new DeviceEvent(name, data, ttl, scope, at);
  }
}
