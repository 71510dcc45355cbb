package dev.firmament.api.rollout;

import dev.firmament.api.error.ApiException;
import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.RatePlan;
import dev.firmament.orchestrator.rollout.RetryPolicy;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import io.temporal.common.converter.GlobalDataConverter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.springframework.scheduling.support.CronExpression;

/**
 * Builds the {@link RolloutPlan} a job runs from its GraphQL input, refusing what the workflow
 * could not run (INVALID_ARGUMENT), and converts it to and from the JSON stored with the job. The
 * JSON is Temporal's own encoding of the plan, so the stored plan is exactly the workflow's input.
 */
final class RolloutPlans {
  static final int MAX_STAGES = 20;

  private RolloutPlans() {}

  static RolloutPlan build(RolloutPlanInput.CreateOTAJob input, int defaultMaxInFlight) {
    try {
      GatePlan defaultGate = input.gate() == null ? null : gate(input.gate());
      List<StagePlan> stages = new ArrayList<>();
      if (input.stages() == null || input.stages().isEmpty()) {
        stages.add(
            new StagePlan(
                "all",
                StageSelection.percent(100),
                defaultMaxInFlight,
                null,
                Duration.ZERO,
                defaultGate,
                AdvanceMode.AUTOMATIC));
      } else {
        if (input.stages().size() > MAX_STAGES) {
          throw ApiException.invalid("a rollout has at most " + MAX_STAGES + " stages");
        }
        var names = new HashSet<String>();
        for (RolloutPlanInput.Stage stage : input.stages()) {
          if (!names.add(stage.name())) {
            throw ApiException.invalid("stage names must be unique: " + stage.name());
          }
          stages.add(stage(stage, defaultMaxInFlight, defaultGate));
        }
      }
      RetryPolicy retry = input.retry() == null ? null : retry(input.retry());
      MaintenanceWindow window =
          input.maintenanceWindow() == null ? null : window(input.maintenanceWindow());
      return new RolloutPlan(
          stages,
          retry,
          window,
          input.startAt() == null ? null : input.startAt().toInstant(),
          Boolean.TRUE.equals(input.requireApproval()));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(e.getMessage());
    }
  }

  private static StagePlan stage(
      RolloutPlanInput.Stage input, int defaultMaxInFlight, GatePlan defaultGate) {
    int chosen =
        (input.group() == null ? 0 : 1)
            + (input.percent() == null ? 0 : 1)
            + (input.count() == null ? 0 : 1);
    if (chosen != 1) {
      throw ApiException.invalid(
          "stage " + input.name() + " takes exactly one of group, percent or count");
    }
    StageSelection selection =
        input.group() != null
            ? StageSelection.group(input.group())
            : input.percent() != null
                ? StageSelection.percent(input.percent())
                : StageSelection.count(input.count());
    int maxInFlight = input.maxInFlight() == null ? defaultMaxInFlight : input.maxInFlight();
    if (maxInFlight < 1 || maxInFlight > RolloutService.MAX_MAX_IN_FLIGHT) {
      throw ApiException.invalid(
          "maxInFlight must be between 1 and " + RolloutService.MAX_MAX_IN_FLIGHT);
    }
    RatePlan rate = null;
    if (input.rate() != null) {
      RolloutPlanInput.Rate r = input.rate();
      rate =
          new RatePlan(
              r.perMinute(),
              r.factor() == null ? 2.0 : r.factor(),
              r.raiseAfterSuccesses() == null ? 10 : r.raiseAfterSuccesses(),
              r.maxPerMinute() == null ? r.perMinute() : r.maxPerMinute());
    }
    return new StagePlan(
        input.name(),
        selection,
        maxInFlight,
        rate,
        seconds(input.soakSeconds(), "soakSeconds"),
        input.gate() == null ? defaultGate : gate(input.gate()),
        Boolean.TRUE.equals(input.requireApproval())
            ? AdvanceMode.APPROVAL
            : AdvanceMode.AUTOMATIC);
  }

  private static GatePlan gate(RolloutPlanInput.Gate input) {
    return new GatePlan(
        input.countedFailures() == null ? null : new HashSet<>(input.countedFailures()),
        input.maxFailureRate(),
        input.minimumSample() == null ? 0 : input.minimumSample(),
        input.minSuccessRate() == null ? 0 : input.minSuccessRate(),
        input.onBreach() == null
            ? dev.firmament.orchestrator.rollout.BreachAction.PAUSE
            : input.onBreach());
  }

  private static RetryPolicy retry(RolloutPlanInput.Retry input) {
    return new RetryPolicy(
        input.maxAttempts(),
        seconds(
            input.initialBackoffSeconds() == null ? 30 : input.initialBackoffSeconds(),
            "initialBackoffSeconds"),
        input.backoffFactor() == null ? 2.0 : input.backoffFactor(),
        seconds(
            input.maxBackoffSeconds() == null ? 600 : input.maxBackoffSeconds(),
            "maxBackoffSeconds"),
        input.jitter() == null ? 0.2 : input.jitter(),
        input.errorCodes() == null ? null : new HashSet<>(input.errorCodes()));
  }

  private static MaintenanceWindow window(RolloutPlanInput.Window input) {
    if (!CronExpression.isValidExpression(input.cron())) {
      throw ApiException.invalid("not a six-field cron expression: " + input.cron());
    }
    if (input.durationMinutes() == null || input.durationMinutes() < 1) {
      throw ApiException.invalid("durationMinutes must be at least 1");
    }
    String zone = input.zone() == null ? "UTC" : input.zone();
    try {
      java.time.ZoneId.of(zone);
    } catch (java.time.DateTimeException e) {
      throw ApiException.invalid("unknown zone: " + zone);
    }
    return new MaintenanceWindow(input.cron(), Duration.ofMinutes(input.durationMinutes()), zone);
  }

  private static Duration seconds(Integer value, String name) {
    if (value == null) {
      return Duration.ZERO;
    }
    if (value < 0) {
      throw ApiException.invalid(name + " may not be negative");
    }
    return Duration.ofSeconds(value);
  }

  static String toJson(RolloutPlan plan) {
    return GlobalDataConverter.get()
        .toPayload(plan)
        .orElseThrow()
        .getData()
        .toString(StandardCharsets.UTF_8);
  }

  static Optional<RolloutPlan> fromJson(String json) {
    if (json == null) {
      return Optional.empty();
    }
    var payload =
        io.temporal.api.common.v1.Payload.newBuilder()
            .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
            .setData(com.google.protobuf.ByteString.copyFromUtf8(json))
            .build();
    return Optional.of(
        GlobalDataConverter.get().fromPayload(payload, RolloutPlan.class, RolloutPlan.class));
  }
}
