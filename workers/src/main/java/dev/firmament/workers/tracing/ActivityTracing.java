package dev.firmament.workers.tracing;

import dev.firmament.orchestrator.rollout.DeliverySlice;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.orchestrator.tracing.TraceLogFields;
import dev.firmament.orchestrator.tracing.TracePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;

/**
 * A span for each activity, the child of the trace its workflow was started or signalled in ({@link
 * TracePropagator}), current while the activity runs: what the activity does (a device offer, a
 * query) is part of that trace, and its log lines carry the trace's ids (TraceLogFields). The span
 * ends when the activity's method returns; a delivery that waits for its device's report completes
 * later, outside it.
 */
public final class ActivityTracing extends WorkerInterceptorBase {
  private final Tracer tracer;

  public ActivityTracing(Tracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private ActivityExecutionContext context;

      @Override
      public void init(ActivityExecutionContext context) {
        this.context = context;
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        ActivityInfo info = context.getInfo();
        Span span =
            tracer
                .spanBuilder("activity " + info.getActivityType())
                .setParent(TracePropagator.given())
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("temporal.workflow_id", info.getWorkflowId())
                .setAttribute("temporal.activity_type", info.getActivityType())
                .setAttribute("temporal.attempt", info.getAttempt())
                .startSpan();
        for (Object argument : input.getArguments()) {
          if (argument instanceof DeviceUpdateRequest request) {
            span.setAttribute("firmament.job_id", request.jobId());
            span.setAttribute("firmament.device_id", request.deviceId());
          } else if (argument instanceof DeliverySlice slice) {
            span.setAttribute("firmament.job_id", slice.jobId());
            span.setAttribute("firmament.devices", slice.deviceIds().size());
          }
        }
        Scope scope = span.makeCurrent();
        TraceLogFields fields = TraceLogFields.of(span);
        try {
          return super.execute(input);
        } catch (RuntimeException e) {
          span.recordException(e);
          span.setStatus(StatusCode.ERROR);
          throw e;
        } finally {
          fields.close();
          scope.close();
          span.end();
          TracePropagator.forget();
        }
      }
    };
  }
}
