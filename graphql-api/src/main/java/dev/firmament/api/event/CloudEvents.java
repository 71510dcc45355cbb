package dev.firmament.api.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firmament.api.live.ChangeEvent;
import dev.firmament.api.live.ChangeEvent.Kind;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The cloud's events as the change feed carries them: each kind of change has an event name under
 * {@code firmament/} and its fields as JSON data. A stored event (kind {@code EVENT}) is passed on
 * as it is.
 */
public final class CloudEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long a cloud event stays deliverable to a late subscriber: a day. */
  static final int CLOUD_TTL_SECONDS = 86_400;

  static final Map<Kind, String> NAMES =
      Map.of(
          Kind.DEVICE_ONLINE, "firmament/device/online",
          Kind.DEVICE_OFFLINE, "firmament/device/offline",
          Kind.DEVICE_VERSION, "firmament/device/version",
          Kind.OTA_RESULT, "firmament/ota/result",
          Kind.ROLLOUT_STATUS, "firmament/rollout/status",
          Kind.STAGE_STATUS, "firmament/rollout/stage");

  private CloudEvents() {}

  /**
   * The kinds of change whose events a name prefix keeps: the mapped kinds whose name starts with
   * it, and {@code EVENT} (stored events, filtered by name in the feed) always.
   */
  static Set<Kind> kindsFor(String namePrefix) {
    Set<Kind> kinds = EnumSet.of(Kind.EVENT);
    NAMES.forEach(
        (kind, name) -> {
          if (namePrefix == null || name.startsWith(namePrefix)) {
            kinds.add(kind);
          }
        });
    return kinds;
  }

  /** The change as an event of the stream. */
  public static Event of(ChangeEvent change) {
    String cursor = change.cursor().toString();
    if (change.kind() == Kind.EVENT || change.kind() == Kind.AUDIT) {
      ChangeEvent.EventPayload e = change.event();
      return new Event(
          cursor,
          Long.toString(e.id()),
          e.name(),
          e.data(),
          e.ttl(),
          e.scope().toUpperCase(Locale.ROOT),
          e.source().toUpperCase(Locale.ROOT),
          change.deviceId(),
          change.productId(),
          change.recordedAt(),
          e.backfilled());
    }
    ObjectNode data = JSON.createObjectNode();
    switch (change.kind()) {
      case DEVICE_ONLINE, DEVICE_OFFLINE -> data.put("version", change.state());
      case DEVICE_VERSION -> data.put("version", change.state()).put("previous", change.previous());
      case ROLLOUT_STATUS ->
          data.put("jobId", str(change.jobId()))
              .put("status", change.state())
              .put("previous", change.previous());
      case STAGE_STATUS ->
          data.put("jobId", str(change.jobId()))
              .put("stage", change.stage())
              .put("status", change.state())
              .put("previous", change.previous());
      case OTA_RESULT -> {
        data.put("jobId", str(change.jobId()))
            .put("state", change.state())
            .put("phase", change.phase())
            .put("stage", change.stage())
            .put("attempt", change.attempt())
            .put("errorCode", change.errorCode());
        if (change.bytesSent() != null) {
          data.put("bytesSent", change.bytesSent());
        }
      }
      case EVENT, AUDIT -> throw new IllegalStateException("handled above");
    }
    return new Event(
        cursor,
        null,
        NAMES.get(change.kind()),
        data.toString(),
        CLOUD_TTL_SECONDS,
        "PRIVATE",
        "CLOUD",
        change.deviceId(),
        change.productId(),
        change.recordedAt(),
        false);
  }

  private static String str(Object value) {
    return value == null ? null : value.toString();
  }
}
