package dev.firmament.workers;

import dev.firmament.orchestrator.rollout.TaskQueues;
import dev.firmament.orchestrator.rollout.engine.RolloutWorkflowImpl;
import dev.firmament.orchestrator.rollout.engine.StageWorkflowImpl;
import dev.firmament.workers.delivery.DeviceUpdateRouter;
import dev.firmament.workers.rollout.RolloutActivitiesImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
      DeviceUpdateRouter deviceUpdateActivities) {
    this.factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder().setWorkerInterceptors(new DataRefusals()).build());
    Worker rollout = factory.newWorker(TaskQueues.ROLLOUT);
    rollout.registerWorkflowImplementationTypes(RolloutWorkflowImpl.class, StageWorkflowImpl.class);
    rollout.registerActivitiesImplementations(rolloutActivities);
    Worker delivery = factory.newWorker(TaskQueues.DELIVERY);
    delivery.registerActivitiesImplementations(deviceUpdateActivities);
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
