package dev.firmament.workers;

import dev.firmament.orchestrator.rollout.TaskQueues;
import dev.firmament.orchestrator.rollout.engine.RolloutWorkflowImpl;
import dev.firmament.orchestrator.rollout.engine.StageWorkflowImpl;
import dev.firmament.workers.delivery.DeviceUpdateRouter;
import dev.firmament.workers.rollout.RolloutActivitiesImpl;
import dev.firmament.workers.tracing.ActivityTracing;
import dev.firmament.workers.tracing.Tracing;
import io.opentelemetry.api.trace.Tracer;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Registers the workflow and activity implementations explicitly (no classpath scanning) and runs
 * the Temporal workers for as long as the application context runs.
 */
@Component
public class TemporalWorkers implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(TemporalWorkers.class);

  private final WorkerFactory factory;
  private volatile boolean running;

  public TemporalWorkers(
      WorkflowClient client,
      RolloutActivitiesImpl rolloutActivities,
      DeviceUpdateRouter deviceUpdateActivities,
      ObjectProvider<Tracer> tracer,
      @Value("${firmament.temporal.sticky-execution:true}") boolean stickyExecution) {
    this.factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkerInterceptors(
                    new DataRefusals(),
                    new LogContext(),
                    new ActivityTracing(Tracing.orNoop(tracer)))
                .build());
    Worker rollout = factory.newWorker(TaskQueues.ROLLOUT, workflowOptions(stickyExecution));
    rollout.registerWorkflowImplementationTypes(RolloutWorkflowImpl.class, StageWorkflowImpl.class);
    rollout.registerActivitiesImplementations(rolloutActivities);
    Worker delivery = factory.newWorker(TaskQueues.DELIVERY);
    delivery.registerActivitiesImplementations(deviceUpdateActivities);
  }

  /**
   * The options of a worker that runs workflows. Without sticky execution every workflow task goes
   * to the shared queue, where any worker takes it: for Temporal's embedded test server, which
   * never moves a dead worker's sticky tasks back to the shared queue (a real cluster does after
   * five seconds), so that a {@code kill -9} of a worker does not strand the workflows it cached.
   */
  static WorkerOptions workflowOptions(boolean stickyExecution) {
    WorkerOptions.Builder options = WorkerOptions.newBuilder();
    if (!stickyExecution) {
      // A zero schedule-to-start timeout is the SDK's way to ask for no sticky queue.
      options.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
    }
    return options.build();
  }

  @Override
  public void start() {
    factory.start();
    running = true;
    log.info("temporal workers started queues={},{}", TaskQueues.ROLLOUT, TaskQueues.DELIVERY);
  }

  @Override
  public void stop() {
    factory.shutdown();
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
