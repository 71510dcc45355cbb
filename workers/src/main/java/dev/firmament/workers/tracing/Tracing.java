package dev.firmament.workers.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import org.springframework.beans.factory.ObjectProvider;

/** The process's tracer, or one that records nothing where the process has none (tests). */
public final class Tracing {
  private Tracing() {}

  public static Tracer orNoop(ObjectProvider<Tracer> tracer) {
    return tracer.getIfAvailable(() -> OpenTelemetry.noop().getTracer("dev.firmament"));
  }
}
