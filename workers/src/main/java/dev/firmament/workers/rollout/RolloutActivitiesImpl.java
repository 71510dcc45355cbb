package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.GateBreach;
import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.HealthReport;
import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.RolloutActivities;
import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.StageKind;
import dev.firmament.orchestrator.rollout.StagePage;
import dev.firmament.orchestrator.rollout.StageSelection;
import dev.firmament.orchestrator.rollout.StageStatus;
import dev.firmament.orchestrator.rollout.WindowState;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Rollout bookkeeping in PostgreSQL. Every method is idempotent on the job id (and stage or device
 * id), as its interface promises: it checks the stored state before it writes.
 */
@Component
public class RolloutActivitiesImpl implements RolloutActivities {
  private final JobRecords jobs;
  private final ResultTransitions results;
  private final StageRecords stages;
  private final RollbackRecords rollbacks;
  private final OfferCancellations cancellations;
  private final HealthSignals health;

  /** Without the health gate's numbers (tests of the other activities). */
  public RolloutActivitiesImpl(
      JobRecords jobs,
      ResultTransitions results,
      StageRecords stages,
      RollbackRecords rollbacks,
      OfferCancellations cancellations) {
    this(jobs, results, stages, rollbacks, cancellations, null);
  }

  @org.springframework.beans.factory.annotation.Autowired
  public RolloutActivitiesImpl(
      JobRecords jobs,
      ResultTransitions results,
      StageRecords stages,
      RollbackRecords rollbacks,
      OfferCancellations cancellations,
      HealthSignals health) {
    this.jobs = jobs;
    this.results = results;
    this.stages = stages;
    this.rollbacks = rollbacks;
    this.cancellations = cancellations;
    this.health = health;
  }

  @Override
  public int startJob(String jobId) {
    return startJob(jobId, Activity.getExecutionContext().getInfo().getScheduledTimestamp());
  }

  /**
   * The API inserts the job and starts its workflow in one transaction, so this first activity can
   * run before that transaction commits. A job not found within {@link #COMMIT_GRACE} of the
   * activity's first scheduling is retried (the commit is on its way); after it, the job is gone
   * for good (the commit failed) and the rollout ends.
   */
  int startJob(String jobId, long scheduledAtMillis) {
    UUID id = parse(jobId);
    Optional<OtaJobsRecord> job = jobs.job(id);
    if (job.isEmpty()) {
      if (System.currentTimeMillis() - scheduledAtMillis < COMMIT_GRACE.toMillis()) {
        throw ApplicationFailure.newFailure(
            "job " + jobId + " is not committed yet", RolloutFailures.JOB_NOT_COMMITTED);
      }
      throw ApplicationFailure.newNonRetryableFailure(
          "no job " + jobId, RolloutFailures.JOB_NOT_FOUND);
    }
    return jobs.startJob(job.get());
  }

  @Override
  public boolean devicesFree(String jobId) {
    return jobs.olderRolloutsSharingDevices(job(jobId)) == 0;
  }

  @Override
  public void recordStatus(String jobId, RolloutStatus status) {
    jobs.recordStatus(parse(jobId), status);
  }

  @Override
  public int assignStage(
      String jobId, int stageIndex, String name, StageKind kind, StageSelection selection) {
    return stages.assign(job(jobId), stageIndex, name, kind, selection);
  }

  @Override
  public int assignJoiners(String jobId, int stageIndex) {
    return stages.assignJoiners(job(jobId), stageIndex);
  }

  @Override
  public StagePage listWaiting(String jobId, int limit) {
    return results.listWaiting(parse(jobId), limit);
  }

  @Override
  public int waitingDevices(String jobId) {
    return results.waitingDevices(parse(jobId));
  }

  @Override
  public int expireWaiting(String jobId) {
    return results.expireWaiting(parse(jobId));
  }

  @Override
  public void openWaitingStage(String jobId, int stageIndex, String name) {
    stages.openWaitingStage(job(jobId), stageIndex, name);
  }

  @Override
  public StagePage listStage(String jobId, int stageIndex, long afterPosition, int limit) {
    return stages.list(parse(jobId), stageIndex, afterPosition, limit);
  }

  @Override
  public void recordStage(
      String jobId, int stageIndex, StageStatus status, StageCounters counters) {
    stages.record(parse(jobId), stageIndex, status, counters);
  }

  @Override
  public int unhealthyDevices(String jobId, int stageIndex) {
    return stages.unhealthy(parse(jobId), stageIndex);
  }

  @Override
  public HealthReport vitalsHealth(String jobId, int stageIndex, HealthPlan plan) {
    if (health == null) {
      throw new IllegalStateException("these activities were made without the health signals");
    }
    return health.report(job(jobId), stageIndex, plan);
  }

  @Override
  public void recordDetail(String jobId, String detail) {
    jobs.recordDetail(parse(jobId), detail);
  }

  @Override
  public StageCounters requeueFailed(String jobId, int stageIndex) {
    return stages.requeueFailed(parse(jobId), stageIndex);
  }

  @Override
  public StageCounters storedCounters(String jobId, int stageIndex) {
    return stages.storedCounters(parse(jobId), stageIndex);
  }

  @Override
  public WindowState window(MaintenanceWindow window, long atEpochMillis) {
    try {
      return MaintenanceWindows.at(window, atEpochMillis);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "invalid maintenance window: " + e.getMessage(), "InvalidWindow");
    }
  }

  @Override
  public void recordUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail) {
    results.transition(parse(jobId), deviceId, attempt, state, null, state.name(), detail, null);
  }

  @Override
  public void recordRollbackUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail) {
    rollbacks.transition(parse(jobId), deviceId, state, null, state.name(), detail, null);
  }

  @Override
  public DeviceUpdateOutcome settleUnreported(
      String jobId,
      String deviceId,
      int attempt,
      DeviceUpdateState state,
      String detail,
      boolean rollback) {
    UUID id = parse(jobId);
    boolean wrote =
        rollback
            ? rollbacks.transition(id, deviceId, state, null, state.name(), detail, null)
            : results.transition(id, deviceId, attempt, state, null, state.name(), detail, null);
    DeviceUpdateOutcome unreported = new DeviceUpdateOutcome(deviceId, state, null, 0);
    if (wrote) {
      // The attempt ended without the device: withdraw the offer so that it does not install it.
      cancellations.withdraw(jobId, deviceId, attempt, rollback);
      return unreported;
    }
    return (rollback
            ? rollbacks.ended(id, deviceId, attempt)
            : results.ended(id, deviceId, attempt))
        .orElse(unreported);
  }

  @Override
  public void finishJob(String jobId, RolloutStatus status) {
    jobs.finishJob(parse(jobId), status);
  }

  @Override
  public void recordGateBreach(GateBreach breach) {
    jobs.publishGateBreach(breach);
  }

  @Override
  public void recordStop(String jobId, String reason) {
    UUID id = parse(jobId);
    jobs.recordDetail(id, reason);
    List<ResultTransitions.Offered> offered = results.offeredAttempts(id);
    results.endOpenResults(id, DeviceUpdateState.CANCELED, reason);
    for (ResultTransitions.Offered o : offered) {
      cancellations.withdraw(jobId, o.deviceId(), o.attempt(), false);
    }
    // A rollback that stops leaves no device half rolled back: what it had not ended ends now, and
    // the offers out at devices are withdrawn.
    List<ResultTransitions.Offered> rollingBack = rollbacks.offeredAttempts(id);
    rollbacks.endOpen(id, DeviceUpdateState.CANCELED, reason);
    for (ResultTransitions.Offered o : rollingBack) {
      cancellations.withdraw(jobId, o.deviceId(), o.attempt(), true);
    }
  }

  /** How long after its first scheduling {@code startJob} waits for the API's commit. */
  static final Duration COMMIT_GRACE = Duration.ofSeconds(30);

  private OtaJobsRecord job(String jobId) {
    return jobs.job(parse(jobId))
        .orElseThrow(
            () ->
                ApplicationFailure.newNonRetryableFailure(
                    "no job " + jobId, RolloutFailures.JOB_NOT_FOUND));
  }

  public static UUID parse(String jobId) {
    try {
      return UUID.fromString(jobId);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not a job id: " + jobId, RolloutFailures.JOB_NOT_FOUND);
    }
  }
}
