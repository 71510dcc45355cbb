package dev.firmament.workers.delivery;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The update id a device sees is the update's idempotency key, {@code rollout/{jobId}/device/{id}}
 * for a first attempt and {@code .../attempt/{n}} for a later one: a report names its update and
 * attempt, and the bridge checks that the device in the key is the device on whose topic the report
 * arrived, and records it only while the result is on that attempt.
 */
final class UpdateKeys {
  private static final Pattern KEY =
      Pattern.compile(
          "rollout/([0-9a-f-]{36})/device/([A-Za-z0-9_-]{1,64})(?:/attempt/([2-9]|[1-9][0-9]{1,8}))?");

  record Parsed(UUID jobId, String deviceId, int attempt) {}

  private UpdateKeys() {}

  static Optional<Parsed> parse(String updateId) {
    if (updateId == null) {
      return Optional.empty();
    }
    Matcher m = KEY.matcher(updateId);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      int attempt = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
      return Optional.of(new Parsed(UUID.fromString(m.group(1)), m.group(2), attempt));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
