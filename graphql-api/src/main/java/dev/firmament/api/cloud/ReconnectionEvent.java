package dev.firmament.api.cloud;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One connection of a device ({@code ReconnectionEvent}): when it came online, when that connection
 * ended, and when its previous one had ended.
 *
 * @param disconnectedAt null while it lasts
 * @param previousDisconnect null for the device's first connection
 */
public record ReconnectionEvent(
    String deviceId,
    OffsetDateTime connectedAt,
    OffsetDateTime disconnectedAt,
    OffsetDateTime previousDisconnect) {

  /** Whether an earlier connection came before it. */
  public boolean reconnection() {
    return previousDisconnect != null;
  }

  /** Seconds the device was offline before it, or null for its first. */
  public Long offlineSeconds() {
    return previousDisconnect == null
        ? null
        : Duration.between(previousDisconnect, connectedAt).toSeconds();
  }
}
