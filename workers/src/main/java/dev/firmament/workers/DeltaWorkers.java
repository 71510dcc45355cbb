package dev.firmament.workers;

import dev.firmament.orchestrator.delta.DeltaBuildWorkflowImpl;
import dev.firmament.orchestrator.delta.DeltaTaskQueues;
import dev.firmament.workers.delta.DeltaBuildActivitiesImpl;
import dev.firmament.workers.tracing.ActivityTracing;
import dev.firmament.workers.tracing.Tracing;
import io.opentelemetry.api.trace.Tracer;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Serves the delta build queue with its own worker factory, so that it can run beside the rollout
 * workers or alone (the server's {@code delta} role). Diffing is CPU-bound: the number of builds
 * one process runs at a time is bounded by {@code firmament.delta.worker-concurrency}.
 */
@Component
public class DeltaWorkers implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(DeltaWorkers.class);

  private final WorkerFactory factory;
  private volatile boolean running;

  public DeltaWorkers(
      WorkflowClient client,
      DeltaBuildActivitiesImpl deltaBuildActivities,
      ObjectProvider<Tracer> tracer,
      @Value("${firmament.delta.worker-concurrency:2}") int concurrency,
      @Value("${firmament.temporal.sticky-execution:true}") boolean stickyExecution) {
    this.factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkerInterceptors(new ActivityTracing(Tracing.orNoop(tracer)))
                .build());
    Worker worker =
        factory.newWorker(
            DeltaTaskQueues.DELTA,
            WorkerOptions.newBuilder(TemporalWorkers.workflowOptions(stickyExecution))
                .setMaxConcurrentActivityExecutionSize(Math.max(1, concurrency))
                .build());
    worker.registerWorkflowImplementationTypes(DeltaBuildWorkflowImpl.class);
    worker.registerActivitiesImplementations(deltaBuildActivities);
  }

  @Override
  public void start() {
    factory.start();
    running = true;
    log.info("temporal workers started queues={}", DeltaTaskQueues.DELTA);
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
