package dev.firmament.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** A request's log lines carry the trace it is part of, and only while it runs. */
class RequestTracingTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private static Map<String, String> seenDuring(String traceparent, Sampler sampler)
      throws Exception {
    try (OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().setSampler(sampler).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build()) {
      RequestTracing.Filter filter = new RequestTracing.Filter(sdk, sdk.getTracer("test"));
      MockHttpServletRequest request = new MockHttpServletRequest("POST", "/graphql");
      if (traceparent != null) {
        request.addHeader("traceparent", traceparent);
      }
      Map<String, String> seen = new HashMap<>();
      filter.doFilter(
          request,
          new MockHttpServletResponse(),
          (req, res) -> {
            Map<String, String> context = MDC.getCopyOfContextMap();
            if (context != null) {
              seen.putAll(context);
            }
          });
      assertThat(MDC.getCopyOfContextMap())
          .as("nothing left behind after the request")
          .satisfiesAnyOf(
              m -> assertThat(m).isNull(),
              m -> assertThat(m).doesNotContainKeys("traceId", "spanId"));
      return seen;
    }
  }

  @Test
  void aSampledRequestLogsTheCallersTraceAndItsOwnSpan() throws Exception {
    Map<String, String> seen =
        seenDuring(
            "00-" + TRACE + "-00f067aa0ba902b7-01", Sampler.parentBased(Sampler.alwaysOff()));
    assertThat(seen).containsEntry("traceId", TRACE);
    assertThat(seen.get("spanId")).hasSize(16).isNotEqualTo("00f067aa0ba902b7");
  }

  @Test
  void aRequestOutsideTheSampleLogsNoTrace() throws Exception {
    assertThat(seenDuring(null, Sampler.alwaysOff())).doesNotContainKeys("traceId", "spanId");
    assertThat(
            seenDuring(
                "00-" + TRACE + "-00f067aa0ba902b7-00", Sampler.parentBased(Sampler.alwaysOn())))
        .doesNotContainKeys("traceId", "spanId");
  }
}
