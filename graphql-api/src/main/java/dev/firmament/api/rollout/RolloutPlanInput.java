package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.time.OffsetDateTime;
import java.util.List;

/** The GraphQL inputs that describe a rollout plan, bound by Spring for GraphQL. */
public final class RolloutPlanInput {
  private RolloutPlanInput() {}

  /** {@code CreateOTAJobInput}. */
  public record CreateOTAJob(
      String productId,
      String targetVersion,
      String deviceGroupId,
      Integer maxInFlight,
      List<Stage> stages,
      Gate gate,
      Retry retry,
      Integer deviceTimeoutSeconds,
      Window maintenanceWindow,
      OffsetDateTime startAt,
      Boolean requireApproval,
      Boolean allowDowngrade) {}

  /** {@code RolloutStageInput}. */
  public record Stage(
      String name,
      String group,
      Integer percent,
      Integer count,
      Integer maxInFlight,
      Rate rate,
      Integer soakSeconds,
      Gate gate,
      Boolean requireApproval) {}

  /** {@code RolloutRateInput}. */
  public record Rate(
      Integer perMinute, Double factor, Integer raiseAfterSuccesses, Integer maxPerMinute) {}

  /** {@code RolloutGateInput}. */
  public record Gate(
      List<DeviceUpdateState> countedFailures,
      Double maxFailureRate,
      Integer minimumSample,
      Double minSuccessRate,
      BreachAction onBreach) {}

  /** {@code RolloutRetryInput}. */
  public record Retry(
      Integer maxAttempts,
      Integer initialBackoffSeconds,
      Double backoffFactor,
      Integer maxBackoffSeconds,
      Double jitter,
      List<String> errorCodes) {}

  /** {@code MaintenanceWindowInput}. */
  public record Window(String cron, Integer durationMinutes, String zone) {}
}
