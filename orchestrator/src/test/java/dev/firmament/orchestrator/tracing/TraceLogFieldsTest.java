package dev.firmament.orchestrator.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** What a span puts into the logging context, and what its end puts back. */
class TraceLogFieldsTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String OUTER = "00f067aa0ba902b7";
  private static final String INNER = "1111111111111111";

  private static Span span(String spanId, TraceFlags flags) {
    return Span.wrap(SpanContext.create(TRACE, spanId, flags, TraceState.getDefault()));
  }

  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  void aSampledSpanPutsItsIdsWhileOpenAndRemovesThemAfter() {
    TraceLogFields fields = TraceLogFields.of(span(OUTER, TraceFlags.getSampled()));
    assertThat(MDC.get("traceId")).isEqualTo(TRACE);
    assertThat(MDC.get("spanId")).isEqualTo(OUTER);
    fields.close();
    assertThat(MDC.get("traceId")).isNull();
    assertThat(MDC.get("spanId")).isNull();
  }

  @Test
  void anInnerSpanGivesBackTheOuterSpansIds() {
    TraceLogFields outer = TraceLogFields.of(span(OUTER, TraceFlags.getSampled()));
    TraceLogFields inner = TraceLogFields.of(span(INNER, TraceFlags.getSampled()));
    assertThat(MDC.get("spanId")).isEqualTo(INNER);
    inner.close();
    assertThat(MDC.get("traceId")).isEqualTo(TRACE);
    assertThat(MDC.get("spanId")).isEqualTo(OUTER);
    outer.close();
    assertThat(MDC.getCopyOfContextMap()).doesNotContainKeys("traceId", "spanId");
  }

  @Test
  void aSpanOutsideTheSampleOrWithoutIdsAddsNothingAndTakesNothing() {
    MDC.put("traceId", "kept");
    TraceLogFields unsampled = TraceLogFields.of(span(OUTER, TraceFlags.getDefault()));
    assertThat(MDC.get("traceId")).isEqualTo("kept");
    assertThat(MDC.get("spanId")).isNull();
    unsampled.close();
    TraceLogFields invalid = TraceLogFields.of(Span.getInvalid());
    assertThat(MDC.get("spanId")).isNull();
    invalid.close();
    // Closing a span that put nothing leaves what was there.
    assertThat(MDC.get("traceId")).isEqualTo("kept");
  }
}
