package dev.firmament.api.cloud;

import java.time.OffsetDateTime;

/**
 * One function call or variable read as it was recorded.
 *
 * @param kind {@code FUNCTION} or {@code VARIABLE}
 * @param outcome {@code OK}, {@code OFFLINE}, {@code TIMEOUT}, {@code REFUSED} or {@code
 *     UNAVAILABLE}
 * @param result a variable's value, of {@code resultType}; null otherwise
 * @param latencyMs from sending to the reply or to giving up; null when nothing was sent
 */
public record DeviceCall(
    String id,
    String deviceId,
    String kind,
    String name,
    int argumentBytes,
    String actor,
    OffsetDateTime calledAt,
    String outcome,
    Integer returnValue,
    Object result,
    String resultType,
    String errorCode,
    Integer latencyMs) {

  /** A stored value read back as its type. */
  static Object value(String text, String type) {
    if (text == null || type == null) {
      return null;
    }
    return switch (type) {
      case "int32" -> Integer.valueOf(text);
      case "double" -> Double.valueOf(text);
      case "bool" -> Boolean.valueOf(text);
      default -> text;
    };
  }
}
