package dev.firmament.api.event;

import java.time.OffsetDateTime;

/**
 * A persistent subscription ({@code EventSubscription}): a named filter and its target.
 *
 * @param filter the events it keeps
 * @param target {@code STREAM}: a client reads it, by id, from {@code Live.events} or the event
 *     stream endpoint
 */
public record EventSubscription(
    String id,
    String name,
    EventStreams.StreamFilter filter,
    String target,
    String createdBy,
    OffsetDateTime createdAt) {

  /** Where a client reads it as Server-Sent Events. */
  public String streamUrl() {
    return EventStreamEndpoint.PATH + "?subscription=" + id;
  }
}
