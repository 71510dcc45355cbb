package dev.firmament.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.activity.ActivityInterface;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimeLockEventLogTest {

  @Test
  void keepsTheLatestEventsInOrderAndRemovesAnyInConstantTime() {
    TimeLockEventLog events = new TimeLockEventLog();
    List<Object> added = new ArrayList<>();
    for (int i = 0; i < TimeLockEventLog.CAPACITY + 10; i++) {
      Object event = new Object();
      added.add(event);
      assertThat(events.add(event)).isTrue();
    }
    assertThat(events.size()).isEqualTo(TimeLockEventLog.CAPACITY);
    assertThat(events.recorded()).isEqualTo(TimeLockEventLog.CAPACITY + 10);
    // Oldest first, the ten oldest gone.
    assertThat(events.iterator().next()).isSameAs(added.get(10));
    assertThat(events.kept()).containsExactlyElementsOf(added.subList(10, added.size()));

    // A kept event is removed; one that left the window counts as removed (a balanced unlock).
    assertThat(events.remove(added.get(20))).isTrue();
    assertThat(events.kept()).doesNotContain(added.get(20)).hasSize(TimeLockEventLog.CAPACITY - 1);
    assertThat(events.remove(added.get(0))).isTrue();
    assertThat(events.size()).isEqualTo(TimeLockEventLog.CAPACITY - 1);
  }

  @Test
  void theEmbeddedServerRunsManyTasksWithItsLogBounded() throws Exception {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      TimeLockEventLog events = temporal.timeLockLog();
      assertThat(events).as("the server's event list was replaced").isNotNull();

      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
      try {
        WorkflowClient client =
            WorkflowClient.newInstance(
                service,
                WorkflowClientOptions.newBuilder().setNamespace(temporal.namespace()).build());
        WorkerFactory factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker("lock-log");
        worker.registerWorkflowImplementationTypes(CountingWorkflowImpl.class);
        worker.registerActivitiesImplementations((Increment) n -> n + 1);
        factory.start();
        try {
          int steps = 1000;
          CountingWorkflow workflow =
              client.newWorkflowStub(
                  CountingWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setTaskQueue("lock-log")
                      .setWorkflowId("lock-log-count")
                      .build());
          // Activities, timers and workflow tasks all take and release time-skipping locks.
          assertThat(workflow.count(steps)).isEqualTo(steps);
          assertThat(events.recorded()).isGreaterThan(TimeLockEventLog.CAPACITY);
          assertThat(events.size()).isLessThanOrEqualTo(TimeLockEventLog.CAPACITY);
        } finally {
          factory.shutdownNow();
          factory.awaitTermination(5, TimeUnit.SECONDS);
        }
      } finally {
        service.shutdownNow();
        service.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @WorkflowInterface
  public interface CountingWorkflow {
    @WorkflowMethod
    int count(int steps);
  }

  @ActivityInterface
  public interface Increment {
    int increment(int n);
  }

  public static class CountingWorkflowImpl implements CountingWorkflow {
    private final Increment increment =
        Workflow.newActivityStub(
            Increment.class,
            io.temporal.activity.ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .build());

    @Override
    public int count(int steps) {
      int n = 0;
      for (int i = 0; i < steps; i++) {
        n = increment.increment(n);
        if (i % 100 == 0) {
          Workflow.sleep(Duration.ofMillis(1));
        }
      }
      return n;
    }
  }
}
