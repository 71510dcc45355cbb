package dev.firmament.orchestrator.delta;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Fans out one {@code buildDelta} activity per source, at most {@code maxParallel} at a time, and
 * records the build's end. The workflow only orchestrates: sources come from an activity, every
 * delta is built and checked by an activity, and only ids, sizes and hashes travel through it.
 *
 * <p>A pair whose activity still fails after its retries is reported as failed; the other pairs are
 * unaffected. The build ends {@link DeltaBuildStatus#DONE} when every pair has an outcome.
 */
public class DeltaBuildWorkflowImpl implements DeltaBuildWorkflow {
  private static final Logger log = Workflow.getLogger(DeltaBuildWorkflowImpl.class);

  private final DeltaBuildActivities bookkeeping =
      Workflow.newActivityStub(
          DeltaBuildActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(30))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(1))
                      .setMaximumInterval(Duration.ofSeconds(30))
                      .setMaximumAttempts(10)
                      .setDoNotRetry(DeltaFailures.FIRMWARE_NOT_FOUND)
                      .build())
              .build());

  /** Diffing is CPU-bound and takes seconds to minutes; a few attempts cover a lost worker. */
  private final DeltaBuildActivities builder =
      Workflow.newActivityStub(
          DeltaBuildActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(15))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(2))
                      .setMaximumInterval(Duration.ofMinutes(1))
                      .setMaximumAttempts(3)
                      .setDoNotRetry(DeltaFailures.FIRMWARE_NOT_FOUND, DeltaFailures.INVALID_PAIR)
                      .build())
              .build());

  private int inFlight;

  @Override
  public DeltaBuildReport build(DeltaBuildRequest request) {
    String target = request.firmwareId();
    List<String> sources;
    try {
      sources = bookkeeping.sourcesFor(target);
    } catch (ActivityFailure e) {
      log.warn("delta build has no sources firmware={} reason={}", target, reason(e));
      bookkeeping.recordBuildStatus(target, DeltaBuildStatus.FAILED);
      return new DeltaBuildReport(target, DeltaBuildStatus.FAILED, List.of());
    }

    List<Promise<DeltaBuildResult>> pending = new ArrayList<>();
    for (String source : sources) {
      Workflow.await(() -> inFlight < request.maxParallel());
      inFlight++;
      pending.add(
          Async.function(builder::buildDelta, source, target)
              .handle(
                  (result, failure) -> {
                    inFlight--;
                    if (failure == null) {
                      return result;
                    }
                    return new DeltaBuildResult(
                        source,
                        target,
                        null,
                        DeltaStatus.FAILED,
                        null,
                        0,
                        null,
                        reason(failure),
                        0);
                  }));
    }
    List<DeltaBuildResult> results = new ArrayList<>();
    for (Promise<DeltaBuildResult> promise : pending) {
      results.add(promise.get());
    }
    bookkeeping.recordBuildStatus(target, DeltaBuildStatus.DONE);
    DeltaBuildReport report = new DeltaBuildReport(target, DeltaBuildStatus.DONE, results);
    log.info(
        "delta build done firmware={} sources={} published={} fullPreferred={} failed={}",
        target,
        sources.size(),
        report.count(DeltaStatus.PUBLISHED),
        report.count(DeltaStatus.FULL_PREFERRED),
        report.count(DeltaStatus.FAILED));
    return report;
  }

  private static String reason(Throwable failure) {
    Throwable cause =
        failure instanceof ActivityFailure && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof ApplicationFailure app) {
      return app.getType() + ": " + app.getOriginalMessage();
    }
    return cause.getMessage();
  }
}
