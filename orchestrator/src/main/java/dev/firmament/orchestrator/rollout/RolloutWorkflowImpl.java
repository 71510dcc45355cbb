package dev.firmament.orchestrator.rollout;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Updates every target device of a job, at most {@code maxInFlight} at a time.
 *
 * <p>The workflow only orchestrates: targets arrive page by page from an activity, each device
 * update is one activity that the device's own final report completes, and the counters live in
 * workflow state so that {@link #progress()} can answer at any moment. Devices are started in id
 * order; the next device starts as soon as any in-flight one finishes.
 */
public class RolloutWorkflowImpl implements RolloutWorkflow {
  private static final Logger log = Workflow.getLogger(RolloutWorkflowImpl.class);

  private final RolloutActivities bookkeeping =
      Workflow.newActivityStub(
          RolloutActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(30))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(1))
                      .setMaximumInterval(Duration.ofSeconds(30))
                      .setDoNotRetry(RolloutFailures.JOB_NOT_FOUND)
                      .build())
              .build());

  private RolloutStatus status = RolloutStatus.SCHEDULED;
  private int total;
  private int started;
  private int inFlight;
  private int succeeded;
  private int skipped;
  private int failed;
  private int timedOut;

  @Override
  public RolloutProgress run(RolloutRequest request) {
    DeviceUpdateActivities delivery =
        Workflow.newActivityStub(
            DeviceUpdateActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(TaskQueues.DELIVERY)
                .setStartToCloseTimeout(request.deviceTimeout())
                // Retries per device are a rollout policy, decided by this workflow, not by the
                // stub.
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());

    total = bookkeeping.startJob(request.jobId());
    status = RolloutStatus.RUNNING;
    log.info("rollout started job={} targets={}", request.jobId(), total);

    List<Promise<Void>> unreportedWrites = new ArrayList<>();
    String cursor = null;
    do {
      TargetPage page = bookkeeping.listTargets(request.jobId(), cursor, request.pageSize());
      for (String deviceId : page.deviceIds()) {
        Workflow.await(() -> inFlight < request.maxInFlight());
        startDevice(delivery, request.jobId(), deviceId, unreportedWrites);
      }
      cursor = page.nextCursor();
    } while (cursor != null);

    Workflow.await(() -> inFlight == 0);
    Promise.allOf(unreportedWrites).get();

    status = failed + timedOut == 0 ? RolloutStatus.SUCCEEDED : RolloutStatus.FAILED;
    bookkeeping.finishJob(request.jobId(), status);
    log.info(
        "rollout finished job={} status={} succeeded={} skipped={} failed={} timedOut={}",
        request.jobId(),
        status,
        succeeded,
        skipped,
        failed,
        timedOut);
    return progress();
  }

  private void startDevice(
      DeviceUpdateActivities delivery,
      String jobId,
      String deviceId,
      List<Promise<Void>> unreportedWrites) {
    inFlight++;
    started++;
    DeviceUpdateRequest update = new DeviceUpdateRequest(jobId, deviceId, 1);
    Async.function(delivery::updateDevice, update)
        .handle(
            (outcome, failure) -> {
              inFlight--;
              if (failure == null) {
                count(outcome.state());
              } else {
                DeviceUpdateState state =
                    isTimeout(failure) ? DeviceUpdateState.TIMED_OUT : DeviceUpdateState.FAILED;
                count(state);
                unreportedWrites.add(
                    Async.procedure(
                        bookkeeping::recordUnreported,
                        jobId,
                        deviceId,
                        update.attempt(),
                        state,
                        rootMessage(failure)));
              }
              return null;
            });
  }

  private void count(DeviceUpdateState state) {
    switch (state) {
      case SUCCEEDED -> succeeded++;
      case SKIPPED -> skipped++;
      case TIMED_OUT -> timedOut++;
      default -> failed++;
    }
  }

  private static boolean isTimeout(RuntimeException failure) {
    return failure instanceof ActivityFailure activityFailure
        && activityFailure.getCause() instanceof TimeoutFailure;
  }

  private static String rootMessage(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }

  @Override
  public RolloutProgress progress() {
    return new RolloutProgress(
        status, total, started, inFlight, succeeded, skipped, failed, timedOut);
  }
}
