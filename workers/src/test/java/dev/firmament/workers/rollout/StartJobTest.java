package dev.firmament.workers.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.firmament.orchestrator.rollout.RolloutFailures;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import io.temporal.failure.ApplicationFailure;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The rollout's first activity may run before the API's transaction that started it commits: a
 * missing job is retried within the grace period and ends the rollout after it.
 */
class StartJobTest {
  private final JobRecords jobs = mock(JobRecords.class);
  private final RolloutActivitiesImpl activities =
      new RolloutActivitiesImpl(
          jobs,
          mock(ResultTransitions.class),
          mock(StageRecords.class),
          mock(RollbackRecords.class),
          mock(OfferCancellations.class));

  @Test
  void aJobNotCommittedYetIsRetriedWithinTheGrace() {
    UUID id = UUID.randomUUID();
    when(jobs.job(id)).thenReturn(Optional.empty());
    long justScheduled = System.currentTimeMillis() - 1_000;

    assertThatThrownBy(() -> activities.startJob(id.toString(), justScheduled))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(RolloutFailures.JOB_NOT_COMMITTED);
              assertThat(f.isNonRetryable()).isFalse();
            });
  }

  @Test
  void aJobStillMissingAfterTheGraceEndsTheRollout() {
    UUID id = UUID.randomUUID();
    when(jobs.job(id)).thenReturn(Optional.empty());
    long longAgo =
        System.currentTimeMillis() - RolloutActivitiesImpl.COMMIT_GRACE.toMillis() - 1_000;

    assertThatThrownBy(() -> activities.startJob(id.toString(), longAgo))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(RolloutFailures.JOB_NOT_FOUND);
              assertThat(f.isNonRetryable()).isTrue();
            });
  }

  @Test
  void aCommittedJobStarts() {
    UUID id = UUID.randomUUID();
    OtaJobsRecord job = new OtaJobsRecord();
    when(jobs.job(id)).thenReturn(Optional.of(job));
    when(jobs.startJob(job)).thenReturn(42);

    assertThat(activities.startJob(id.toString(), System.currentTimeMillis())).isEqualTo(42);
  }
}
