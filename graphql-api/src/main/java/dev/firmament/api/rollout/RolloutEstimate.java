package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.StagePlan;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.springframework.scheduling.support.CronExpression;

/**
 * When a running rollout may finish ({@code FirmwareOTAJob.estimatedFinishAt}): the devices still
 * to finish at the pace the rollout has kept while delivering (its elapsed time without the soaks
 * it spent), placed inside its maintenance windows, plus the soak time its unfinished update stages
 * still need. A rollout waiting for an approval has no estimate: that wait is a person's.
 */
final class RolloutEstimate {
  /** How many windows the estimate walks before it gives up (a rollout years away). */
  static final int MAX_WINDOWS = 10_000;

  private RolloutEstimate() {}

  static OffsetDateTime finish(
      OtaJob job,
      Map<String, Integer> byState,
      RolloutPlan plan,
      List<OtaStage> stages,
      OffsetDateTime now) {
    RolloutStatus status = RolloutStatus.valueOf(job.status());
    if (status.isFinal() || status == RolloutStatus.WAITING_APPROVAL || job.startedAt() == null) {
      return null;
    }
    JobProgress progress = JobProgress.of(job.totalDevices(), byState);
    int finished = progress.finished();
    long delivering =
        Duration.between(job.startedAt(), now).toMillis() - soakSpent(stages, now).toMillis();
    if (finished == 0 || delivering <= 0) {
      return null;
    }
    int remaining = Math.max(0, job.totalDevices() - finished);
    Duration work = Duration.ofMillis(Math.round((double) delivering * remaining / finished));
    OffsetDateTime devicesDone =
        plan == null || plan.window() == null || work.isZero()
            ? now.plus(work)
            : withinWindows(plan.window(), now, work);
    if (devicesDone == null) {
      return null;
    }
    return devicesDone.plus(soakLeft(plan, stages, now));
  }

  /** The soak time the rollout has spent so far: each soak from its start to its end or now. */
  static Duration soakSpent(List<OtaStage> stages, OffsetDateTime now) {
    Duration spent = Duration.ZERO;
    for (OtaStage stage : stages) {
      if (stage.soakStartedAt() != null) {
        OffsetDateTime end = stage.finishedAt() == null ? now : stage.finishedAt();
        if (end.isAfter(stage.soakStartedAt())) {
          spent = spent.plus(Duration.between(stage.soakStartedAt(), end));
        }
      }
    }
    return spent;
  }

  /** The soak time still ahead: a soaking stage's rest, every later update stage's whole soak. */
  static Duration soakLeft(RolloutPlan plan, List<OtaStage> stages, OffsetDateTime now) {
    if (plan == null) {
      return Duration.ZERO;
    }
    Duration left = Duration.ZERO;
    for (int i = 0; i < plan.stages().size(); i++) {
      StagePlan planned = plan.stages().get(i);
      OtaStage stage = i < stages.size() && stages.get(i).index() == i ? stages.get(i) : null;
      if (planned.soak().isZero() || (stage != null && stage.finishedAt() != null)) {
        continue;
      }
      if (stage != null && stage.soakStartedAt() != null) {
        OffsetDateTime ends = stage.soakStartedAt().plus(planned.soak());
        if (ends.isAfter(now)) {
          left = left.plus(Duration.between(now, ends));
        }
      } else {
        left = left.plus(planned.soak());
      }
    }
    return left;
  }

  /**
   * When {@code work} of delivery time is done if devices start only inside the window: each time
   * the cron fires a window of its duration opens. Null when the windows stop coming.
   */
  static OffsetDateTime withinWindows(
      MaintenanceWindow window, OffsetDateTime from, Duration work) {
    CronExpression cron = CronExpression.parse(window.cron());
    ZonedDateTime t = from.atZoneSameInstant(ZoneId.of(window.zone()));
    Duration remaining = work;
    for (int i = 0; i < MAX_WINDOWS; i++) {
      // The window open at t opened at most one duration ago; otherwise wait for the next one.
      ZonedDateTime opens = cron.next(t.minus(window.duration()));
      if (opens == null) {
        return null;
      }
      if (opens.isAfter(t)) {
        t = opens;
        continue;
      }
      ZonedDateTime closes = opens.plus(window.duration());
      Duration open = Duration.between(t, closes);
      if (open.compareTo(remaining) >= 0) {
        return t.plus(remaining).toOffsetDateTime().withOffsetSameInstant(ZoneOffset.UTC);
      }
      remaining = remaining.minus(open);
      t = closes;
    }
    return null;
  }
}
