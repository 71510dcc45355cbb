package dev.firmament.api.event;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.tenant.TenantResolver;
import java.time.OffsetDateTime;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SubscriptionMapping;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Flux;

/** {@code Query.events} (the stored history) and {@code Live.events} (the stream). */
@Controller
public class EventController {
  private final EventStreams streams;
  private final EventRepository events;
  private final EventSubscriptions subscriptions;
  private final TenantResolver tenants;

  public EventController(
      EventStreams streams,
      EventRepository events,
      EventSubscriptions subscriptions,
      TenantResolver tenants) {
    this.streams = streams;
    this.events = events;
    this.subscriptions = subscriptions;
    this.tenants = tenants;
  }

  public record EventFilter(
      String namePrefix,
      String deviceId,
      String productId,
      String source,
      OffsetDateTime after,
      OffsetDateTime before) {}

  @QueryMapping(name = "events")
  public Page<Event> history(
      @Argument EventFilter filter, @Argument Integer from, @Argument Integer size) {
    Pagination.Window window = Pagination.fromSize(from, size);
    EventFilter f = filter == null ? new EventFilter(null, null, null, null, null, null) : filter;
    EventStreams.Checked checked =
        streams.check(
            tenants.organizationId(),
            new EventStreams.StreamFilter(f.namePrefix(), f.deviceId(), f.productId(), f.source()));
    return events.history(
        new EventRepository.HistoryFilter(
            checked.organizationId(),
            checked.namePrefix(),
            checked.deviceId(),
            checked.productId(),
            checked.source(),
            f.after(),
            f.before(),
            checked.onlyDevices(),
            checked.productScopeOnly()),
        window);
  }

  @QueryMapping
  public EventStreamHandle eventStream(
      @Argument EventStreams.StreamFilter filter, @Argument String subscriptionId) {
    EventStreams.Checked checked =
        subscriptions.filterOf(tenants.organizationId(), filter, subscriptionId);
    StringBuilder url = new StringBuilder(EventStreamEndpoint.PATH);
    if (subscriptionId != null) {
      url.append("?subscription=").append(encode(subscriptionId));
    } else {
      String separator = "?";
      for (String[] p :
          new String[][] {
            {"name", checked.namePrefix()},
            {"device", checked.deviceId()},
            {"product", checked.productId() == null ? null : checked.productId().toString()},
            {"source", checked.source()}
          }) {
        if (p[1] != null) {
          url.append(separator).append(p[0]).append('=').append(encode(p[1]));
          separator = "&";
        }
      }
    }
    return new EventStreamHandle(
        url.toString(),
        new EventStreams.StreamFilter(
            checked.namePrefix(),
            checked.deviceId(),
            checked.productId() == null ? null : checked.productId().toString(),
            checked.source()));
  }

  /** {@code EventStream}: where to read a filter's events. */
  public record EventStreamHandle(String url, EventStreams.StreamFilter filter) {}

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
  }

  @QueryMapping
  public Page<EventSubscription> eventSubscriptions(
      @Argument Integer from, @Argument Integer size) {
    return subscriptions.page(tenants.organizationId(), Pagination.fromSize(from, size));
  }

  public record CreateEventSubscriptionInput(String name, EventStreams.StreamFilter filter) {}

  public record CreateEventSubscriptionPayload(EventSubscription eventSubscription) {}

  public record DeleteEventSubscriptionInput(String id) {}

  public record DeleteEventSubscriptionPayload(String deletedId) {}

  @org.springframework.graphql.data.method.annotation.MutationMapping
  public CreateEventSubscriptionPayload createEventSubscription(
      @Argument CreateEventSubscriptionInput input) {
    return new CreateEventSubscriptionPayload(subscriptions.create(input.name(), input.filter()));
  }

  @org.springframework.graphql.data.method.annotation.MutationMapping
  public DeleteEventSubscriptionPayload deleteEventSubscription(
      @Argument DeleteEventSubscriptionInput input) {
    return new DeleteEventSubscriptionPayload(subscriptions.delete(input.id()));
  }

  @SubscriptionMapping(name = "events")
  public Flux<Event> live(
      @Argument EventStreams.StreamFilter filter,
      @Argument String subscriptionId,
      @Argument String after) {
    return streams.stream(
        subscriptions.filterOf(tenants.organizationId(), filter, subscriptionId), after);
  }
}
