package dev.firmament.api.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * {@code GET /api/v1/events}: the event stream as Server-Sent Events, for clients that would rather
 * not speak GraphQL (curl, a browser's {@code EventSource}). Query parameters {@code name} (a name
 * prefix), {@code device}, {@code product}, {@code source} ({@code DEVICE} or {@code CLOUD}), or
 * {@code subscription} (a persistent subscription's id instead); each event is sent with its name
 * as the SSE event type, its cursor as the SSE id and the whole {@code Event} as JSON data. A
 * client that reconnects with {@code Last-Event-ID} (browsers do it themselves) or {@code after}
 * resumes without a gap. A comment every 15 seconds keeps proxies from closing a quiet stream; a
 * stream lasts up to 24 hours. Needs {@code devices:read}; a customer's token reads its devices'
 * events of scope {@code product} only. When the process shuts down, its open streams end at once
 * (a client resumes with its last id elsewhere), so that the graceful shutdown does not wait for
 * them.
 */
@RestController
public class EventStreamEndpoint {
  private static final Logger log = LoggerFactory.getLogger(EventStreamEndpoint.class);
  static final String PATH = "/api/v1/events";
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  private static final Duration LIFETIME = Duration.ofHours(24);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EventStreams streams;
  private final EventSubscriptions subscriptions;

  /** The streams open now, each with what ends it. */
  private final java.util.Set<Runnable> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public EventStreamEndpoint(EventStreams streams, EventSubscriptions subscriptions) {
    this.streams = streams;
    this.subscriptions = subscriptions;
  }

  @GetMapping(value = PATH, produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  public SseEmitter events(
      @RequestParam(required = false) String name,
      @RequestParam(required = false) String device,
      @RequestParam(required = false) String product,
      @RequestParam(required = false) String source,
      @RequestParam(required = false) String subscription,
      @RequestParam(required = false) String after,
      @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId) {
    Caller caller = Callers.current();
    if (!caller.isCustomer() && !caller.has(Scope.DEVICES_READ)) {
      throw new ApiException(ErrorCode.FORBIDDEN, "the event stream needs devices:read");
    }
    EventStreams.StreamFilter filter =
        name == null && device == null && product == null && source == null
            ? null
            : new EventStreams.StreamFilter(name, device, product, source);
    EventStreams.Checked checked =
        subscriptions.filterOf(caller.organizationId(), filter, subscription);
    String from = lastEventId != null && !lastEventId.isBlank() ? lastEventId : after;
    // Refusals (an unknown or expired cursor) are answered before the stream opens.
    Flux<Event> events = streams.stream(checked, from);
    SseEmitter emitter = new SseEmitter(LIFETIME.toMillis());
    Flux<SseEmitter.SseEventBuilder> out =
        Flux.merge(
            events.map(
                e ->
                    SseEmitter.event()
                        .id(e.cursor())
                        .name(e.name())
                        .data(json(e), MediaType.APPLICATION_JSON)),
            Flux.interval(KEEP_ALIVE, KEEP_ALIVE)
                .map(tick -> SseEmitter.event().comment("keep-alive")));
    java.util.concurrent.atomic.AtomicReference<Disposable> running =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();
    Runnable stop =
        () -> {
          ended.set(true);
          Disposable d = running.get();
          if (d != null) {
            d.dispose();
          }
        };
    Runnable close =
        () -> {
          if (!ended.get()) {
            stop.run();
            emitter.complete();
          }
        };
    open.add(close);
    emitter.onCompletion(
        () -> {
          open.remove(close);
          stop.run();
        });
    emitter.onTimeout(stop);
    emitter.onError(failure -> stop.run());
    running.set(
        out.subscribe(
            event -> {
              if (ended.get()) {
                return;
              }
              try {
                emitter.send(event);
              } catch (IOException | IllegalStateException e) {
                // The client went away: nothing more to send, nothing to answer.
                log.debug("event stream client gone: {}", e.toString());
                stop.run();
              }
            },
            failure -> {
              if (ended.getAndSet(true)) {
                return;
              }
              // A subscriber too slow or a feed error: said as the stream's last event.
              try {
                emitter.send(
                    SseEmitter.event()
                        .name("error")
                        .data(
                            "{\"code\":\""
                                + (failure instanceof ApiException api
                                    ? api.code().name()
                                    : ErrorCode.INTERNAL.name())
                                + "\"}",
                            MediaType.APPLICATION_JSON));
                emitter.complete();
              } catch (IOException | IllegalStateException e) {
                log.debug("event stream ended error={}", failure.toString());
              }
            },
            () -> {
              if (!ended.getAndSet(true)) {
                emitter.complete();
              }
            }));
    return emitter;
  }

  /** Ends every open stream: the process is shutting down. */
  @org.springframework.context.event.EventListener(
      org.springframework.context.event.ContextClosedEvent.class)
  public void closeStreams() {
    int streams = open.size();
    for (Runnable close : List.copyOf(open)) {
      try {
        close.run();
      } catch (RuntimeException e) {
        log.debug("event stream not ended cleanly: {}", e.toString());
      }
    }
    open.clear();
    if (streams > 0) {
      log.info("event streams ended for shutdown count={}", streams);
    }
  }

  /** The event as GraphQL shows it: the same fields, the time in UTC. */
  static String json(Event event) {
    ObjectNode node = JSON.createObjectNode();
    node.put("cursor", event.cursor())
        .put("id", event.id())
        .put("name", event.name())
        .put("data", event.data())
        .put("ttl", event.ttl())
        .put("scope", event.scope())
        .put("source", event.source())
        .put("deviceId", event.deviceId())
        .put("productId", event.productId() == null ? null : event.productId().toString())
        .put(
            "publishedAt",
            java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                event.publishedAt().withOffsetSameInstant(java.time.ZoneOffset.UTC)))
        .put("backfilled", event.backfilled());
    return node.toString();
  }
}
