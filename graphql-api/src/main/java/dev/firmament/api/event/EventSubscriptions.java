package dev.firmament.api.event;

import static dev.firmament.sql.generated.Tables.EVENT_SUBSCRIPTIONS;

import dev.firmament.api.Ids;
import dev.firmament.api.Names;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.sql.generated.tables.records.EventSubscriptionsRecord;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Service;

/** Persistent event subscriptions: made, listed, deleted, and read by id as a stream's filter. */
@Service
public class EventSubscriptions {
  private final DSLContext dsl;
  private final EventStreams streams;

  public EventSubscriptions(DSLContext dsl, EventStreams streams) {
    this.dsl = dsl;
    this.streams = streams;
  }

  /**
   * The checked filter of a stream: the one given, or the subscription's (not both).
   *
   * @throws ApiException NOT_FOUND for an unknown subscription, INVALID_ARGUMENT for both
   */
  public EventStreams.Checked filterOf(
      UUID organizationId, EventStreams.StreamFilter filter, String subscriptionId) {
    if (subscriptionId == null) {
      return streams.check(organizationId, filter);
    }
    if (filter != null) {
      throw ApiException.invalid("give a filter or a subscriptionId, not both");
    }
    if (Callers.find().map(Caller::isCustomer).orElse(false)) {
      throw new ApiException(
          ErrorCode.FORBIDDEN, "event subscriptions are the organization's, not a customer's");
    }
    return streams.check(organizationId, find(organizationId, subscriptionId).filter());
  }

  public EventSubscription find(UUID organizationId, String id) {
    return Ids.parse(id)
        .flatMap(
            uuid ->
                dsl.selectFrom(EVENT_SUBSCRIPTIONS)
                    .where(EVENT_SUBSCRIPTIONS.ORGANIZATION_ID.eq(organizationId))
                    .and(EVENT_SUBSCRIPTIONS.ID.eq(uuid))
                    .fetchOptional(EventSubscriptions::toSubscription))
        .orElseThrow(() -> ApiException.notFound("event subscription", id));
  }

  public EventSubscription create(String name, EventStreams.StreamFilter filter) {
    Caller caller = Callers.current();
    String trimmed = Names.check(name);
    EventStreams.Checked checked = streams.check(caller.organizationId(), filter);
    UUID id = UUID.randomUUID();
    try {
      dsl.insertInto(EVENT_SUBSCRIPTIONS)
          .set(EVENT_SUBSCRIPTIONS.ID, id)
          .set(EVENT_SUBSCRIPTIONS.ORGANIZATION_ID, caller.organizationId())
          .set(EVENT_SUBSCRIPTIONS.NAME, trimmed)
          .set(EVENT_SUBSCRIPTIONS.NAME_PREFIX, checked.namePrefix())
          .set(EVENT_SUBSCRIPTIONS.DEVICE_ID, checked.deviceId())
          .set(EVENT_SUBSCRIPTIONS.PRODUCT_ID, checked.productId())
          .set(EVENT_SUBSCRIPTIONS.SOURCE, checked.source())
          .set(EVENT_SUBSCRIPTIONS.TARGET, "STREAM")
          .set(EVENT_SUBSCRIPTIONS.CREATED_BY, caller.actor())
          .execute();
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS, "an event subscription named '" + trimmed + "' exists", e);
      }
      throw e;
    }
    return find(caller.organizationId(), id.toString());
  }

  /** Deletes one; NOT_FOUND when the organization has none by that id. */
  public String delete(String id) {
    UUID organizationId = Callers.current().organizationId();
    EventSubscription found = find(organizationId, id);
    dsl.deleteFrom(EVENT_SUBSCRIPTIONS)
        .where(EVENT_SUBSCRIPTIONS.ORGANIZATION_ID.eq(organizationId))
        .and(EVENT_SUBSCRIPTIONS.ID.eq(UUID.fromString(found.id())))
        .execute();
    return found.id();
  }

  public Page<EventSubscription> page(UUID organizationId, Pagination.Window window) {
    return Paged.page(
        dsl,
        dsl.selectFrom(EVENT_SUBSCRIPTIONS)
            .where(EVENT_SUBSCRIPTIONS.ORGANIZATION_ID.eq(organizationId)),
        window,
        List.of(EVENT_SUBSCRIPTIONS.NAME.asc(), EVENT_SUBSCRIPTIONS.ID.asc()),
        EventSubscriptions::toSubscription);
  }

  private static EventSubscription toSubscription(EventSubscriptionsRecord r) {
    return new EventSubscription(
        r.getId().toString(),
        r.getName(),
        new EventStreams.StreamFilter(
            r.getNamePrefix(),
            r.getDeviceId(),
            r.getProductId() == null ? null : r.getProductId().toString(),
            r.getSource()),
        r.getTarget(),
        r.getCreatedBy(),
        r.getCreatedAt());
  }
}
