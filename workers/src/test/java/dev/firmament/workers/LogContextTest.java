package dev.firmament.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.DeliverySlice;
import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.orchestrator.tracing.TracePropagator;
import dev.firmament.workers.tracing.ActivityTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** What an activity's log lines carry while it runs. */
class LogContextTest {

  @ActivityInterface
  public interface Probe {
    Map<String, String> device(DeviceUpdateRequest request);

    Map<String, String> slice(DeliverySlice slice);

    Map<String, String> plain(String anything);
  }

  @WorkflowInterface
  public interface Caller {
    @WorkflowMethod
    List<Map<String, String>> call();
  }

  public static class CallerImpl implements Caller {
    private final Probe probe =
        Workflow.newActivityStub(
            Probe.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());

    @Override
    public List<Map<String, String>> call() {
      return List.of(
          probe.device(new DeviceUpdateRequest("job-1", "dev-7", 1)),
          probe.slice(new DeliverySlice("job-2", List.of("a", "b"), List.of(1, 1), false)),
          probe.plain("x"));
    }
  }

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  /** The logging context as the activity sees it. */
  static final class Seen implements Probe {
    private static Map<String, String> context() {
      Map<String, String> copy = MDC.getCopyOfContextMap();
      return copy == null ? new HashMap<>() : new HashMap<>(copy);
    }

    @Override
    public Map<String, String> device(DeviceUpdateRequest request) {
      return context();
    }

    @Override
    public Map<String, String> slice(DeliverySlice slice) {
      return context();
    }

    @Override
    public Map<String, String> plain(String anything) {
      return context();
    }
  }

  /** Runs the caller workflow with the workers' interceptors; what each activity's context held. */
  private static List<Map<String, String>> run() {
    try (TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkflowClientOptions(
                    WorkflowClientOptions.newBuilder()
                        .setContextPropagators(List.of(new TracePropagator()))
                        .build())
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(
                            new LogContext(),
                            new ActivityTracing(OpenTelemetry.noop().getTracer("test")))
                        .build())
                .build())) {
      Worker worker = env.newWorker("log-context");
      worker.registerWorkflowImplementationTypes(CallerImpl.class);
      worker.registerActivitiesImplementations(new Seen());
      env.start();
      return env.getWorkflowClient()
          .newWorkflowStub(
              Caller.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue("log-context")
                  .setWorkflowId("rollout/job-1")
                  .build())
          .call();
    }
  }

  @Test
  void anActivityLogsWithTheTraceItsWorkflowWasStartedIn() {
    SpanContext caller =
        SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault());
    List<Map<String, String>> seen;
    Scope scope = Context.root().with(Span.wrap(caller)).makeCurrent();
    try {
      seen = run();
    } finally {
      scope.close();
    }
    for (Map<String, String> activity : seen) {
      assertThat(activity).containsEntry("traceId", TRACE).containsKey("spanId");
    }
  }

  @Test
  void anActivityLogsWithItsWorkflowJobAndDevice() {
    List<Map<String, String>> seen = run();

    assertThat(seen.get(0))
        .containsEntry("workflowId", "rollout/job-1")
        .containsEntry("activity", "Device")
        .containsEntry("jobId", "job-1")
        .containsEntry("deviceId", "dev-7");
    assertThat(seen.get(1))
        .containsEntry("activity", "Slice")
        .containsEntry("jobId", "job-2")
        .doesNotContainKey("deviceId");
    // An activity about neither a job nor a device carries neither. (That the interceptor's keys
    // are removed after each activity is not shown here: the SDK's executor clears the logging
    // context between tasks as well, so a leak would not show.)
    assertThat(seen.get(2))
        .containsEntry("activity", "Plain")
        .doesNotContainKeys("jobId", "deviceId");
    // Outside a trace, no trace ids.
    assertThat(seen).allSatisfy(m -> assertThat(m).doesNotContainKeys("traceId", "spanId"));
  }
}
