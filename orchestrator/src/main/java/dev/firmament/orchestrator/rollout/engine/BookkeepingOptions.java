package dev.firmament.orchestrator.rollout.engine;

import dev.firmament.orchestrator.rollout.RolloutFailures;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Timeouts and retries of the rollout's bookkeeping activities, declared once for every workflow
 * that calls them: database writes retry until they succeed, except for a job that does not exist.
 */
final class BookkeepingOptions {
  private BookkeepingOptions() {}

  static ActivityOptions get() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(60))
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setMaximumInterval(Duration.ofSeconds(30))
                .setDoNotRetry(RolloutFailures.JOB_NOT_FOUND, RolloutFailures.DATA_REFUSED)
                .build())
        .build();
  }
}
