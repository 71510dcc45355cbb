package dev.firmament.orchestrator.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.MDC;

/**
 * Puts a span's trace and span ids into the logging context while it is current, so that every line
 * logged in it carries them ({@code traceId} and {@code spanId} fields of the server's JSON logs)
 * and a log line leads to its trace. A span outside the sample (tracing off, or not drawn at the
 * sample ratio) adds nothing: its ids would lead to no trace.
 */
public final class TraceLogFields implements AutoCloseable {
  public static final String TRACE_ID = "traceId";
  public static final String SPAN_ID = "spanId";

  private final String previousTrace;
  private final String previousSpan;
  private final boolean put;

  private TraceLogFields(String previousTrace, String previousSpan, boolean put) {
    this.previousTrace = previousTrace;
    this.previousSpan = previousSpan;
    this.put = put;
  }

  /**
   * Puts the span's ids into this thread's logging context; {@link #close()} puts back what was
   * there before (the enclosing span's ids, or nothing).
   */
  public static TraceLogFields of(Span span) {
    SpanContext context = span.getSpanContext();
    if (!context.isValid() || !context.isSampled()) {
      return new TraceLogFields(null, null, false);
    }
    TraceLogFields fields = new TraceLogFields(MDC.get(TRACE_ID), MDC.get(SPAN_ID), true);
    MDC.put(TRACE_ID, context.getTraceId());
    MDC.put(SPAN_ID, context.getSpanId());
    return fields;
  }

  @Override
  public void close() {
    if (put) {
      restore(TRACE_ID, previousTrace);
      restore(SPAN_ID, previousSpan);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
