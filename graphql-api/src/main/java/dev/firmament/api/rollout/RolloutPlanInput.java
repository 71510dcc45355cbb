package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.time.OffsetDateTime;
import java.util.List;

/** The GraphQL inputs that describe a rollout plan, bound by Spring for GraphQL. */
public final class RolloutPlanInput {
  private RolloutPlanInput() {}

  /**
   * {@code OTADataPolicy}: whether the rollout holds back a device whose active SIM would pass its
   * monthly data cap with the update (docs/connectivity.md, "Data-aware rollouts").
   */
  public enum DataPolicy {
    NONE,
    DEFER,
    SKIP
  }

  /** {@code DevicesBusy}: what a new rollout does when an unfinished one holds its devices. */
  public enum DevicesBusy {
    REFUSE,
    WAIT
  }

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
      Boolean allowDowngrade,
      String templateId,
      DevicesBusy onDevicesBusy,
      List<Stage> rollbackStages,
      Integer expiresAfterSeconds,
      DataPolicy dataPolicy) {

    /**
     * This input over a template: every plan field this input leaves out comes from the template.
     */
    CreateOTAJob over(Template template) {
      return new CreateOTAJob(
          productId,
          targetVersion,
          deviceGroupId,
          maxInFlight != null ? maxInFlight : template.maxInFlight(),
          stages != null ? stages : template.stages(),
          gate != null ? gate : template.gate(),
          retry != null ? retry : template.retry(),
          deviceTimeoutSeconds != null ? deviceTimeoutSeconds : template.deviceTimeoutSeconds(),
          maintenanceWindow != null ? maintenanceWindow : template.maintenanceWindow(),
          startAt,
          requireApproval != null ? requireApproval : template.requireApproval(),
          allowDowngrade,
          templateId,
          onDevicesBusy,
          rollbackStages != null ? rollbackStages : template.rollbackStages(),
          expiresAfterSeconds != null ? expiresAfterSeconds : template.expiresAfterSeconds(),
          dataPolicy);
    }
  }

  /**
   * {@code SaveRolloutTemplateInput}: a plan to reuse, the fields of {@code CreateOTAJobInput} that
   * describe how to roll out rather than what and when.
   */
  public record Template(
      Integer maxInFlight,
      List<Stage> stages,
      Gate gate,
      Retry retry,
      Integer deviceTimeoutSeconds,
      Window maintenanceWindow,
      Boolean requireApproval,
      List<Stage> rollbackStages,
      Integer expiresAfterSeconds) {

    /** The template as a createOTAJob input of no product, for checking and showing its plan. */
    CreateOTAJob asInput() {
      return new CreateOTAJob(
          null,
          null,
          null,
          maxInFlight,
          stages,
          gate,
          retry,
          deviceTimeoutSeconds,
          maintenanceWindow,
          null,
          requireApproval,
          null,
          null,
          null,
          rollbackStages,
          expiresAfterSeconds,
          null);
    }
  }

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
      BreachAction onBreach,
      Health health) {}

  /** {@code RolloutHealthInput}. */
  public record Health(
      Integer resetThreshold,
      Integer reconnectThreshold,
      String diagnostic,
      Double diagnosticThreshold,
      Double maxExcess,
      Integer minimumUpdated,
      Integer checkEverySeconds) {}

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

  /** {@code SaveRolloutTemplateInput}: a template's name and its plan. */
  public record SaveTemplate(
      String name,
      Integer maxInFlight,
      List<Stage> stages,
      Gate gate,
      Retry retry,
      Integer deviceTimeoutSeconds,
      Window maintenanceWindow,
      Boolean requireApproval,
      List<Stage> rollbackStages,
      Integer expiresAfterSeconds) {

    Template template() {
      return new Template(
          maxInFlight,
          stages,
          gate,
          retry,
          deviceTimeoutSeconds,
          maintenanceWindow,
          requireApproval,
          rollbackStages,
          expiresAfterSeconds);
    }
  }

  /** {@code UpdateOTAJobInput}: what to change in a scheduled rollout; null keeps it. */
  public record UpdateOTAJob(
      String jobId, OffsetDateTime startAt, Window maintenanceWindow, List<Stage> stages) {}
}
