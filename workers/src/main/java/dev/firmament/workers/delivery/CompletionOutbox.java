package dev.firmament.workers.delivery;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.ResultTransitions.DueCompletion;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.ActivityNotExistsException;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Tells Temporal how devices' updates and rollbacks ended, and keeps telling it until it has heard.
 * A device's final report marks its result's completion as due in the same statement that records
 * the report ({@code completion_due} of {@code ota_results} and {@code ota_rollback_results}); the
 * status bridge sends it at once, and what Temporal did not take (unreachable, an error) stays due
 * and is sent again by this outbox's sweep, also after a worker restart. A completion is settled
 * when Temporal took it or answered that the activity already ended (it timed out: the workflow
 * then counts what the result holds).
 */
@Component
public class CompletionOutbox implements SmartLifecycle, DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(CompletionOutbox.class);

  /** The most due completions one sweep sends. */
  static final int SWEEP_LIMIT = 500;

  private final ResultTransitions results;
  private final ActivityCompletionClient completions;
  private final Duration retry;
  private ScheduledExecutorService sweeper;

  public CompletionOutbox(
      ResultTransitions results,
      WorkflowClient client,
      @Value("${firmament.delivery.completion-retry-seconds:15}") long retrySeconds) {
    this.results = results;
    this.completions = client.newActivityCompletionClient();
    this.retry = Duration.ofSeconds(retrySeconds);
  }

  /** How one attempt to tell Temporal went. */
  enum Sent {
    /** Temporal took the completion. */
    TAKEN,
    /** The activity had already ended (timed out, canceled): nothing left to tell. */
    CLOSED,
    /** Temporal did not answer, or failed: the completion stays due. */
    FAILED
  }

  /**
   * Sends the given completions now; settles those Temporal took or no longer needs, and defers the
   * others by the retry interval. Returns how many stay due.
   */
  public int send(List<DueCompletion> due) {
    if (due.isEmpty()) {
      return 0;
    }
    List<DueCompletion> settled = new ArrayList<>(due.size());
    List<DueCompletion> failed = new ArrayList<>();
    int closed = 0;
    for (DueCompletion completion : due) {
      Sent sent = send(completion);
      if (sent == Sent.FAILED) {
        failed.add(completion);
      } else {
        settled.add(completion);
        closed += sent == Sent.CLOSED ? 1 : 0;
      }
    }
    if (closed > 0) {
      // Normal where a stage run handed its open devices to the next one: one line a batch.
      log.info("completions for activities already closed count={}", closed);
    }
    results.settleCompletions(settled);
    results.deferCompletions(failed, retry);
    if (!failed.isEmpty()) {
      log.warn(
          "completions not taken by Temporal, retrying count={} retryInSeconds={}",
          failed.size(),
          retry.toSeconds());
    }
    return failed.size();
  }

  Sent send(DueCompletion completion) {
    DeviceUpdateOutcome outcome = completion.outcome();
    try {
      completions.complete(completion.taskToken(), outcome);
      return Sent.TAKEN;
    } catch (ActivityNotExistsException | ActivityCanceledException e) {
      log.debug(
          "update already closed job={} device={} reason={}",
          completion.jobId(),
          outcome.deviceId(),
          e.getClass().getSimpleName());
      return Sent.CLOSED;
    } catch (ActivityCompletionException e) {
      log.debug(
          "completion not taken job={} device={} error={}",
          completion.jobId(),
          outcome.deviceId(),
          e.toString());
      return Sent.FAILED;
    }
  }

  /** One sweep: sends the completions whose time came. Returns how many it found. */
  public int sweep() {
    List<DueCompletion> due = results.dueCompletions(SWEEP_LIMIT);
    send(due);
    return due.size();
  }

  @Override
  public synchronized void start() {
    if (sweeper != null) {
      return;
    }
    sweeper =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "completion-outbox");
              thread.setDaemon(true);
              return thread;
            });
    long period = Math.max(1, retry.toSeconds() / 3);
    sweeper.scheduleWithFixedDelay(this::sweepSafely, period, period, TimeUnit.SECONDS);
  }

  private void sweepSafely() {
    try {
      int found;
      do {
        found = sweep();
      } while (found >= SWEEP_LIMIT);
    } catch (RuntimeException e) {
      log.warn("completion sweep failed error={}", e.toString());
    }
  }

  @Override
  public synchronized void stop() {
    if (sweeper != null) {
      sweeper.shutdownNow();
      sweeper = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return sweeper != null;
  }

  @Override
  public void destroy() {
    stop();
  }
}
