package dev.firmament.api.config;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * OpenTelemetry traces (docs/observability.md, "Traces"): a request to the API, the workflows it
 * starts or signals, their activities and the device offers they send are spans of one trace. Spans
 * go to an OTLP/HTTP collector at {@code firmament.tracing.otlp-endpoint} (and to any {@link
 * SpanExporter} bean of the process); without either, tracing is off and costs nothing. Each
 * process has its own SDK, never the global one: several applications may share a JVM (tests, the
 * dev server).
 */
@Configuration(proxyBeanMethods = false)
public class TracingConfiguration {
  private static final Logger log = LoggerFactory.getLogger(TracingConfiguration.class);

  /** The instrumentation scope of every span Firmament makes. */
  public static final String SCOPE = "dev.firmament";

  @Bean(destroyMethod = "close")
  public OpenTelemetrySdk openTelemetry(
      ObjectProvider<SpanExporter> exporters,
      @Value("${firmament.tracing.otlp-endpoint:}") String endpoint,
      @Value("${firmament.tracing.sample-ratio:1.0}") double ratio,
      @Value("${spring.application.name:firmament}") String service) {
    if (ratio < 0 || ratio > 1) {
      throw new IllegalArgumentException(
          "firmament.tracing.sample-ratio must be between 0 and 1, got " + ratio);
    }
    List<SpanExporter> all = new ArrayList<>(exporters.orderedStream().toList());
    if (!endpoint.isBlank()) {
      all.add(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build());
    }
    SdkTracerProviderBuilder tracers =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(AttributeKey.stringKey("service.name"), service))))
            // A trace the caller sampled (or not) stays so; a new one is sampled at the ratio.
            .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(all.isEmpty() ? 0 : ratio)));
    for (SpanExporter exporter : all) {
      tracers.addSpanProcessor(BatchSpanProcessor.builder(exporter).build());
    }
    if (!all.isEmpty()) {
      log.info(
          "tracing on exporters={} endpoint={} sample-ratio={}",
          all.size(),
          endpoint.isBlank() ? "-" : endpoint,
          ratio);
    }
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracers.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  @Bean
  public Tracer tracer(OpenTelemetry openTelemetry) {
    return openTelemetry.getTracer(SCOPE);
  }
}
