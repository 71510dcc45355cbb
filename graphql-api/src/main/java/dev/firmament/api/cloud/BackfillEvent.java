package dev.firmament.api.cloud;

import dev.firmament.api.event.Event;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * An event a device kept while it was offline and sent on reconnect ({@code BackfillEvent}): the
 * event with its own time, and when the cloud stored it.
 *
 * @param storedAt when the workers stored it, after the device reconnected
 */
public record BackfillEvent(Event event, OffsetDateTime storedAt) {

  /** When the device published it (its own time, never later than the storing). */
  public OffsetDateTime publishedAt() {
    return event.publishedAt();
  }

  /** Seconds between publishing and storing: how long the device kept it. */
  public long delaySeconds() {
    return Math.max(0, Duration.between(event.publishedAt(), storedAt).toSeconds());
  }
}
