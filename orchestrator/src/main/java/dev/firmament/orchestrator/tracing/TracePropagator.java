package dev.firmament.orchestrator.tracing;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.context.ContextPropagator;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.HashMap;
import java.util.Map;

/**
 * Carries the caller's trace through Temporal: a client that starts or signals a workflow sends its
 * current OpenTelemetry context as a W3C {@code traceparent} in the call's header; the workflow
 * keeps it and hands it on to the activities and child workflows it schedules, and an activity's
 * worker makes it the parent of the activity's span. Workflow code never sees it, so replays are
 * unaffected.
 */
public final class TracePropagator implements ContextPropagator {
  /** The trace the workflow or activity running on this thread was given. */
  private static final ThreadLocal<Map<String, String>> GIVEN = new ThreadLocal<>();

  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  @Override
  public String getName() {
    return "firmament-trace";
  }

  /**
   * The context to send: the one this thread was given (a workflow scheduling an activity), else
   * the thread's current OpenTelemetry context (a client in a request's span).
   */
  @Override
  public Object getCurrentContext() {
    Map<String, String> given = GIVEN.get();
    if (given != null) {
      return given;
    }
    Map<String, String> carrier = new HashMap<>();
    W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
    return carrier;
  }

  @Override
  public void setCurrentContext(Object context) {
    @SuppressWarnings("unchecked")
    Map<String, String> carrier = (Map<String, String>) context;
    if (carrier == null || carrier.isEmpty()) {
      GIVEN.remove();
    } else {
      GIVEN.set(carrier);
    }
  }

  @Override
  public Map<String, Payload> serializeContext(Object context) {
    @SuppressWarnings("unchecked")
    Map<String, String> carrier = (Map<String, String>) context;
    Map<String, Payload> header = new HashMap<>();
    if (carrier != null) {
      carrier.forEach(
          (key, value) ->
              header.put(
                  key, DefaultDataConverter.STANDARD_INSTANCE.toPayload(value).orElseThrow()));
    }
    return header;
  }

  @Override
  public Object deserializeContext(Map<String, Payload> header) {
    Map<String, String> carrier = new HashMap<>();
    header.forEach(
        (key, payload) -> {
          if (key.equals("traceparent") || key.equals("tracestate")) {
            carrier.put(
                key,
                DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                    payload, String.class, String.class));
          }
        });
    return carrier;
  }

  /**
   * The trace this thread's workflow or activity was given, as an OpenTelemetry context to start a
   * span in ({@link Context#root()} when there is none); the activity worker's interceptor parents
   * its span with it.
   */
  public static Context given() {
    Map<String, String> carrier = GIVEN.get();
    if (carrier == null) {
      return Context.root();
    }
    return W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier, GETTER);
  }

  /** Forgets the trace this thread was given (a pooled activity thread after its activity). */
  public static void forget() {
    GIVEN.remove();
  }
}
