package dev.firmament.api.live;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One row of the change feed ({@code change_events}): an OTA result transition, a device going
 * online or offline or changing its version, or a rollout's or stage's status change.
 *
 * @param state the new state: a result's state, the device's version, a rollout's or stage's status
 * @param previous what it was before: the device's previous version, the previous status
 * @param event an event's payload (kind {@code EVENT}); null for the other kinds
 */
public record ChangeEvent(
    ChangeCursor cursor,
    UUID organizationId,
    Kind kind,
    UUID jobId,
    String deviceId,
    UUID productId,
    Integer stage,
    String phase,
    String state,
    String previous,
    Integer attempt,
    Long bytesSent,
    String errorCode,
    OffsetDateTime recordedAt,
    EventPayload event) {

  /**
   * A row of {@code events} as the change feed carries it.
   *
   * @param ttl seconds a subscriber that resumes late may still be handed it
   * @param scope {@code private} or {@code product}
   * @param source {@code device} or {@code cloud}
   * @param backfilled whether the device kept it while offline and sent it late
   */
  public record EventPayload(
      long id,
      String name,
      String data,
      int ttl,
      String scope,
      String source,
      boolean backfilled) {}

  public enum Kind {
    OTA_RESULT,
    DEVICE_ONLINE,
    DEVICE_OFFLINE,
    DEVICE_VERSION,
    ROLLOUT_STATUS,
    STAGE_STATUS,
    /** A row of {@code events}: a device's event or the cloud's "firmware uploaded". */
    EVENT,
    /**
     * An audit entry, as an event named {@code firmament/audit/<action>}: only for webhooks given
     * the audit (its audience is audit:read); no stream selects it.
     */
    AUDIT;

    public boolean isDevice() {
      return this == DEVICE_ONLINE || this == DEVICE_OFFLINE || this == DEVICE_VERSION;
    }

    public boolean isRollout() {
      return this == OTA_RESULT || this == ROLLOUT_STATUS || this == STAGE_STATUS;
    }
  }
}
