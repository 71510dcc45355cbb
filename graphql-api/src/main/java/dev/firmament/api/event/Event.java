package dev.firmament.api.event;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An event of the stream ({@code Event}): one a device published, or the cloud's own.
 *
 * @param cursor where it stands in the change feed (pass it as {@code after} to resume after it);
 *     null in the history, which pages by offset
 * @param id the stored event's id; null for the cloud events the change feed carries itself
 * @param source {@code DEVICE} or {@code CLOUD}
 * @param scope {@code PRIVATE} or {@code PRODUCT}
 * @param ttl seconds a late subscriber may still be handed it
 * @param backfilled whether the device kept it while offline and sent it on reconnect; its {@code
 *     publishedAt} is then the device's own time
 */
public record Event(
    String cursor,
    String id,
    String name,
    String data,
    int ttl,
    String scope,
    String source,
    String deviceId,
    UUID productId,
    OffsetDateTime publishedAt,
    boolean backfilled) {}
