package dev.firmament.workers.delivery;

import dev.firmament.orchestrator.rollout.DeviceReport;
import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.SliceOutcome;
import dev.firmament.orchestrator.rollout.StageWorkflow;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.ResultTransitions.DueCompletion;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.ActivityNotExistsException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  private final WorkflowClient workflows;
  private final Duration retry;
  private ScheduledExecutorService sweeper;

  public CompletionOutbox(
      ResultTransitions results,
      WorkflowClient client,
      @Value("${firmament.delivery.completion-retry-seconds:15}") long retrySeconds) {
    this.results = results;
    this.completions = client.newActivityCompletionClient();
    this.workflows = client;
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
    Map<String, List<DueCompletion>> byStage = new LinkedHashMap<>();
    for (DueCompletion completion : due) {
      if (completion.watcher() != null) {
        byStage.computeIfAbsent(completion.watcher(), w -> new ArrayList<>()).add(completion);
        continue;
      }
      Sent sent = send(completion);
      if (sent == Sent.FAILED) {
        failed.add(completion);
      } else {
        settled.add(completion);
        closed += sent == Sent.CLOSED ? 1 : 0;
      }
    }
    Set<ByteBuffer> slices = new LinkedHashSet<>();
    for (Map.Entry<String, List<DueCompletion>> stage : byStage.entrySet()) {
      Sent sent = signal(stage.getKey(), stage.getValue());
      if (sent == Sent.FAILED) {
        failed.addAll(stage.getValue());
        continue;
      }
      settled.addAll(stage.getValue());
      closed += sent == Sent.CLOSED ? stage.getValue().size() : 0;
      for (DueCompletion completion : stage.getValue()) {
        if (completion.taskToken() != null) {
          slices.add(ByteBuffer.wrap(completion.taskToken()));
        }
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
    completeEndedSlices(slices);
    return failed.size();
  }

  /**
   * Tells a stage how devices of its batched deliveries ended, in one signal: taken, closed (the
   * stage ended; its successor reads the results), or failed (sent again later).
   */
  Sent signal(String stage, List<DueCompletion> completions) {
    List<DeviceReport> reports = new ArrayList<>(completions.size());
    for (DueCompletion completion : completions) {
      DeviceUpdateOutcome outcome = completion.outcome();
      reports.add(
          new DeviceReport(
              outcome.deviceId(), completion.attempt(), outcome.state(), outcome.errorCode()));
    }
    try {
      workflows.newWorkflowStub(StageWorkflow.class, stage).deviceReports(reports);
      return Sent.TAKEN;
    } catch (WorkflowNotFoundException e) {
      log.debug("reports for a stage that ended stage={} count={}", stage, reports.size());
      return Sent.CLOSED;
    } catch (WorkflowException e) {
      log.debug("reports not taken stage={} error={}", stage, e.toString());
      return Sent.FAILED;
    }
  }

  /**
   * Completes the slices whose every offered device has ended: a slice's activity is open only to
   * keep its devices' worker alive in Temporal's eyes. One that is not completed here (Temporal did
   * not answer) ends at its heartbeat timeout, with nothing left open.
   */
  private void completeEndedSlices(Set<ByteBuffer> tokens) {
    if (tokens.isEmpty()) {
      return;
    }
    for (byte[] token : results.endedSlices(tokens.stream().map(ByteBuffer::array).toList())) {
      try {
        completions.complete(token, new SliceOutcome(List.of()));
      } catch (ActivityNotExistsException | ActivityCanceledException e) {
        log.debug("slice already closed reason={}", e.getClass().getSimpleName());
      } catch (ActivityCompletionException e) {
        log.debug("slice completion not taken error={}", e.toString());
      }
    }
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
