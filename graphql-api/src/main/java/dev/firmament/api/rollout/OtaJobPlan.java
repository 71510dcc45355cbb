package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.RatePlan;
import dev.firmament.orchestrator.rollout.RetryPolicy;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The plan a job runs ({@code OTAJobPlan}), shaped like {@code CreateOTAJobInput} so that what was
 * asked for can be compared field by field with what is stored. Defaults the API filled in at
 * creation appear with their values.
 *
 * @param stored false for a job created before plans were stored: its plan is then what the job row
 *     implies, one automatic stage over every target at the job's {@code maxInFlight}
 */
public record OtaJobPlan(
    boolean stored,
    List<Stage> stages,
    Retry retry,
    Window maintenanceWindow,
    OffsetDateTime startAt,
    boolean requireApproval,
    List<Stage> rollbackStages,
    Long expiresAfterSeconds) {

  /**
   * One stage; exactly one of {@code group}, {@code percent}, {@code count} is set, as {@code
   * selectionKind} says.
   */
  public record Stage(
      String name,
      String selectionKind,
      String group,
      Integer percent,
      Integer count,
      int maxInFlight,
      Rate rate,
      long soakSeconds,
      Gate gate,
      boolean requireApproval) {}

  public record Rate(int perMinute, double factor, int raiseAfterSuccesses, int maxPerMinute) {}

  /** {@code countedFailures} in the order of the state machine. */
  public record Gate(
      List<String> countedFailures,
      double maxFailureRate,
      int minimumSample,
      double minSuccessRate,
      String onBreach,
      Health health) {}

  public record Health(
      int resetThreshold,
      int reconnectThreshold,
      String diagnostic,
      Double diagnosticThreshold,
      double maxExcess,
      int minimumUpdated,
      long checkEverySeconds) {}

  /** {@code errorCodes} sorted. */
  public record Retry(
      int maxAttempts,
      long initialBackoffSeconds,
      double backoffFactor,
      long maxBackoffSeconds,
      double jitter,
      List<String> errorCodes) {}

  public record Window(String cron, long durationMinutes, String zone) {}

  /** The stored plan of a job, or for a job without one the plan its row implies. */
  static OtaJobPlan of(OtaJob job, String planJson) {
    return RolloutPlans.fromJson(planJson)
        .map(plan -> of(plan, true))
        .orElseGet(() -> of(RolloutPlan.singleStage(job.maxInFlight()), false));
  }

  static OtaJobPlan of(RolloutPlan plan, boolean stored) {
    return new OtaJobPlan(
        stored,
        plan.stages().stream().map(OtaJobPlan::stage).toList(),
        retry(plan.retry()),
        plan.window() == null ? null : window(plan.window()),
        plan.startAt() == null ? null : plan.startAt().atOffset(ZoneOffset.UTC),
        plan.requireApproval(),
        plan.rollbackPlan().stream().map(OtaJobPlan::stage).toList(),
        plan.expiry() == null ? null : plan.expiry().toSeconds());
  }

  private static Stage stage(StagePlan stage) {
    StageSelection selection = stage.selection();
    StageSelection.Kind kind = selection.kind();
    return new Stage(
        stage.name(),
        kind.name(),
        kind == StageSelection.Kind.GROUP ? selection.group() : null,
        kind == StageSelection.Kind.PERCENT ? selection.amount() : null,
        kind == StageSelection.Kind.COUNT ? selection.amount() : null,
        stage.maxInFlight(),
        stage.rate() == null ? null : rate(stage.rate()),
        stage.soak().toSeconds(),
        gate(stage.gate()),
        stage.advance() == AdvanceMode.APPROVAL);
  }

  private static Rate rate(RatePlan rate) {
    return new Rate(
        rate.basePerMinute(), rate.factor(), rate.raiseAfterSuccesses(), rate.maxPerMinute());
  }

  private static Gate gate(GatePlan gate) {
    return new Gate(
        gate.countedFailures().stream().sorted().map(Enum::name).toList(),
        gate.maxFailureRate(),
        gate.minimumSample(),
        gate.minSuccessRate(),
        gate.onBreach().name(),
        gate.health() == null ? null : health(gate.health()));
  }

  private static Health health(HealthPlan health) {
    return new Health(
        health.resetThreshold(),
        health.reconnectThreshold(),
        health.diagnostic(),
        health.diagnostic() == null ? null : health.diagnosticThreshold(),
        health.maxExcess(),
        health.minimumUpdated(),
        health.checkEvery().toSeconds());
  }

  private static Retry retry(RetryPolicy retry) {
    return new Retry(
        retry.maxAttempts(),
        retry.initialBackoff().toSeconds(),
        retry.backoffFactor(),
        retry.maxBackoff().toSeconds(),
        retry.jitter(),
        retry.retryableCodes().stream().sorted().toList());
  }

  private static Window window(MaintenanceWindow window) {
    return new Window(window.cron(), window.duration().toMinutes(), window.zone());
  }
}
