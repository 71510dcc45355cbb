package dev.firmament.orchestrator.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The caller's trace reaches the activities of the workflow it started, and of that workflow's
 * child workflows, through Temporal's headers.
 */
class TracePropagatorTest {
  private static final String QUEUE = "trace-test";
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  /** What the activities saw as their given trace. */
  static final List<SpanContext> SEEN = new CopyOnWriteArrayList<>();

  @ActivityInterface
  public interface Probe {
    void look(String who);
  }

  public static class ProbeImpl implements Probe {
    @Override
    public void look(String who) {
      SEEN.add(Span.fromContext(TracePropagator.given()).getSpanContext());
    }
  }

  @WorkflowInterface
  public interface Parent {
    @WorkflowMethod
    void run();
  }

  @WorkflowInterface
  public interface Child {
    @WorkflowMethod
    void run();
  }

  private static Probe probe() {
    return Workflow.newActivityStub(
        Probe.class,
        ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());
  }

  public static class ParentImpl implements Parent {
    @Override
    public void run() {
      probe().look("parent");
      Workflow.newChildWorkflowStub(Child.class).run();
    }
  }

  public static class ChildImpl implements Child {
    @Override
    public void run() {
      probe().look("child");
    }
  }

  private TestWorkflowEnvironment env;

  @BeforeEach
  void setUp() {
    SEEN.clear();
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkflowClientOptions(
                    WorkflowClientOptions.newBuilder()
                        .setContextPropagators(List.of(new TracePropagator()))
                        .build())
                .build());
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(ParentImpl.class, ChildImpl.class);
    worker.registerActivitiesImplementations(new ProbeImpl());
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void activitiesOfTheWorkflowAndItsChildrenAreInTheCallersTrace() {
    WorkflowClient client = env.getWorkflowClient();
    SpanContext caller =
        SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault());
    Scope scope = Context.root().with(Span.wrap(caller)).makeCurrent();
    try {
      client
          .newWorkflowStub(
              Parent.class,
              WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("traced").build())
          .run();
    } finally {
      scope.close();
    }

    assertThat(SEEN).hasSize(2);
    for (SpanContext seen : SEEN) {
      assertThat(seen.getTraceId()).isEqualTo(TRACE);
      assertThat(seen.getSpanId()).isEqualTo(SPAN);
      assertThat(seen.isSampled()).isTrue();
      assertThat(seen.isRemote()).isTrue();
    }
  }

  @Test
  void aCallerOutsideATraceGivesNone() {
    env.getWorkflowClient()
        .newWorkflowStub(
            Parent.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("untraced").build())
        .run();

    assertThat(SEEN).hasSize(2).allMatch(seen -> !seen.isValid());
  }

  @Test
  void theHeaderCarriesTheW3cFieldsOnly() {
    TracePropagator propagator = new TracePropagator();
    Map<String, String> carrier =
        Map.of(
            "traceparent", "00-" + TRACE + "-" + SPAN + "-01", "tracestate", "a=b", "other", "x");

    Object back = propagator.deserializeContext(propagator.serializeContext(carrier));

    assertThat(back)
        .isEqualTo(Map.of("traceparent", "00-" + TRACE + "-" + SPAN + "-01", "tracestate", "a=b"));
    // Its name keys the header in every stored workflow: renaming it loses running rollouts'
    // traces.
    assertThat(propagator.getName()).isEqualTo("firmament-trace");
    propagator.setCurrentContext(Map.of());
    // No trace given: the root context, a parent a span builder accepts (never null).
    assertThat(TracePropagator.given()).isSameAs(Context.root());
    propagator.setCurrentContext(back);
    assertThat(propagator.getCurrentContext()).isEqualTo(back);
    assertThat(Span.fromContext(TracePropagator.given()).getSpanContext().getTraceId())
        .isEqualTo(TRACE);
    TracePropagator.forget();
    assertThat(Span.fromContext(TracePropagator.given()).getSpanContext().isValid()).isFalse();
  }
}
