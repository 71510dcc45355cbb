package dev.firmament.workers;

import dev.firmament.orchestrator.rollout.DeliverySlice;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.util.List;
import org.slf4j.MDC;

/**
 * Puts what an activity works on into the logging context while it runs, so that every line it logs
 * carries it (as fields of the server's JSON logs): {@code workflowId} (a rollout's is {@code
 * rollout/<jobId>}, a stage's starts with it), {@code activity}, and {@code jobId} and {@code
 * deviceId} when the activity is about one job or one device.
 */
public final class LogContext extends WorkerInterceptorBase {

  static final List<String> KEYS = List.of("workflowId", "activity", "jobId", "deviceId");

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
        MDC.put("workflowId", info.getWorkflowId());
        MDC.put("activity", info.getActivityType());
        for (Object argument : input.getArguments()) {
          if (argument instanceof DeviceUpdateRequest request) {
            MDC.put("jobId", request.jobId());
            MDC.put("deviceId", request.deviceId());
          } else if (argument instanceof DeliverySlice slice) {
            MDC.put("jobId", slice.jobId());
          }
        }
        try {
          return super.execute(input);
        } finally {
          KEYS.forEach(MDC::remove);
        }
      }
    };
  }
}
