package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutActivities;
import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.TargetPage;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Rollout bookkeeping in PostgreSQL. Every method is idempotent on the job id (and device id), as
 * its interface promises: it checks the stored state before it writes.
 */
@Component
public class RolloutActivitiesImpl implements RolloutActivities {
  private final RolloutRecords records;

  public RolloutActivitiesImpl(RolloutRecords records) {
    this.records = records;
  }

  @Override
  public int startJob(String jobId) {
    return records.startJob(job(jobId));
  }

  @Override
  public TargetPage listTargets(String jobId, String afterDeviceId, int limit) {
    List<String> ids = records.targets(job(jobId), afterDeviceId, limit);
    return new TargetPage(ids, ids.size() == limit ? ids.getLast() : null);
  }

  @Override
  public void recordUnreported(
      String jobId, String deviceId, int attempt, DeviceUpdateState state, String detail) {
    records.transition(parse(jobId), deviceId, state, null, state.name(), detail, null);
  }

  @Override
  public void finishJob(String jobId, RolloutStatus status) {
    records.finishJob(parse(jobId), status);
  }

  private OtaJobsRecord job(String jobId) {
    return records
        .job(parse(jobId))
        .orElseThrow(
            () ->
                ApplicationFailure.newNonRetryableFailure(
                    "no job " + jobId, RolloutFailures.JOB_NOT_FOUND));
  }

  static UUID parse(String jobId) {
    try {
      return UUID.fromString(jobId);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not a job id: " + jobId, RolloutFailures.JOB_NOT_FOUND);
    }
  }
}
