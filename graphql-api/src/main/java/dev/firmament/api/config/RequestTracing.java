package dev.firmament.api.config;

import dev.firmament.orchestrator.tracing.TraceLogFields;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A server span for each request to the API ({@code /graphql} and the REST endpoints), the child of
 * the caller's trace when it sent a W3C {@code traceparent}. The span is current while the request
 * runs, so the workflows a mutation starts or signals carry it on (TracePropagator), and the
 * request's log lines carry its ids (TraceLogFields).
 */
@Configuration(proxyBeanMethods = false)
public class RequestTracing {

  @Bean
  FilterRegistrationBean<OncePerRequestFilter> requestTracingFilter(
      OpenTelemetry openTelemetry, Tracer tracer) {
    FilterRegistrationBean<OncePerRequestFilter> registration =
        new FilterRegistrationBean<>(new Filter(openTelemetry, tracer));
    registration.addUrlPatterns("/graphql", "/api/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }

  private static final TextMapGetter<HttpServletRequest> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServletRequest request) {
          return Collections.list(request.getHeaderNames());
        }

        @Override
        public String get(HttpServletRequest request, String key) {
          return request == null ? null : request.getHeader(key);
        }
      };

  static final class Filter extends OncePerRequestFilter {
    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;

    Filter(OpenTelemetry openTelemetry, Tracer tracer) {
      this.openTelemetry = openTelemetry;
      this.tracer = tracer;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      Context parent =
          openTelemetry
              .getPropagators()
              .getTextMapPropagator()
              .extract(Context.root(), request, HEADERS);
      Span span =
          tracer
              .spanBuilder(request.getMethod() + " " + request.getRequestURI())
              .setParent(parent)
              .setSpanKind(SpanKind.SERVER)
              .setAttribute("http.request.method", request.getMethod())
              .setAttribute("url.path", request.getRequestURI())
              .startSpan();
      Scope scope = span.makeCurrent();
      TraceLogFields fields = TraceLogFields.of(span);
      try {
        chain.doFilter(request, response);
      } finally {
        fields.close();
        scope.close();
        span.setAttribute("http.response.status_code", response.getStatus());
        if (response.getStatus() >= 500) {
          span.setStatus(StatusCode.ERROR);
        }
        span.end();
      }
    }
  }
}
