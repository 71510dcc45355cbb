package dev.firmament.api.rollout;

import dev.firmament.api.error.ApiException;
import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.MaintenanceWindow;
import dev.firmament.orchestrator.rollout.RatePlan;
import dev.firmament.orchestrator.rollout.RetryPolicy;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import io.temporal.common.converter.GlobalDataConverter;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
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
public final class RolloutPlans {
  static final int MAX_STAGES = 20;

  /**
   * The bounds a plan must keep so that it can run to its end. Each one is a promise about how the
   * workflow behaves: a longer stage name does not fit its column (the insert would fail at run
   * time, after the rollout started), a start or a window beyond the horizon would keep a workflow
   * open for years, and unbounded retries with no backoff would hammer a device forever.
   */
  static final int MAX_NAME_LENGTH = 100;

  static final Duration HORIZON = Duration.ofDays(366);
  static final Duration MAX_SOAK = Duration.ofDays(7);
  static final Duration MAX_BACKOFF = Duration.ofDays(1);
  static final Duration MAX_WINDOW = Duration.ofDays(7);
  static final Duration MAX_DEVICE_TIMEOUT = Duration.ofDays(7);
  static final int MAX_ATTEMPTS = 10;
  static final int MAX_RATE_PER_MINUTE = 100_000;
  static final double MAX_FACTOR = 10.0;
  static final int MAX_COUNT = 10_000_000;
  static final int MAX_ERROR_CODES = 32;
  static final int MAX_ERROR_CODE_LENGTH = 64;

  private RolloutPlans() {}

  static RolloutPlan build(RolloutPlanInput.CreateOTAJob input, int defaultMaxInFlight) {
    return build(input, defaultMaxInFlight, Instant.now());
  }

  /** As above, judging start times and windows from {@code now}. */
  static RolloutPlan build(
      RolloutPlanInput.CreateOTAJob input, int defaultMaxInFlight, Instant now) {
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
          name(stage.name(), "stage name");
          if (!names.add(stage.name())) {
            throw ApiException.invalid("stage names must be unique: " + stage.name());
          }
          stages.add(stage(stage, defaultMaxInFlight, defaultGate));
        }
      }
      RetryPolicy retry = input.retry() == null ? null : retry(input.retry());
      Instant startAt = input.startAt() == null ? null : input.startAt().toInstant();
      if (startAt != null && startAt.isAfter(now.plus(HORIZON))) {
        throw ApiException.invalid(
            "startAt may be at most " + HORIZON.toDays() + " days ahead, was " + startAt);
      }
      Instant start = startAt == null || startAt.isBefore(now) ? now : startAt;
      MaintenanceWindow window =
          input.maintenanceWindow() == null ? null : window(input.maintenanceWindow(), start);
      return new RolloutPlan(
          stages,
          retry,
          window,
          startAt,
          Boolean.TRUE.equals(input.requireApproval()),
          input.onDevicesBusy() == RolloutPlanInput.DevicesBusy.WAIT,
          rollbackStages(input.rollbackStages(), defaultMaxInFlight),
          expiry(input.expiresAfterSeconds()));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(e.getMessage());
    }
  }

  /**
   * A scheduled rollout's plan with the given changes, checked as a new plan is: new stages (a
   * stage without its own gate never breaches), a new start time, a new maintenance window; retry
   * and approval stay as they were.
   */
  static RolloutPlan replan(
      RolloutPlan stored, RolloutPlanInput.UpdateOTAJob change, int defaultMaxInFlight) {
    RolloutPlan built =
        build(
            new RolloutPlanInput.CreateOTAJob(
                null,
                null,
                null,
                null,
                change.stages(),
                null,
                null,
                null,
                change.maintenanceWindow(),
                change.startAt() != null
                    ? change.startAt()
                    : stored.startAt() == null
                        ? null
                        : stored.startAt().atOffset(java.time.ZoneOffset.UTC),
                null,
                null,
                null,
                null,
                null,
                null,
                null),
            defaultMaxInFlight);
    return new RolloutPlan(
        change.stages() != null ? built.stages() : stored.stages(),
        stored.retry(),
        change.maintenanceWindow() != null ? built.window() : stored.window(),
        change.startAt() != null ? built.startAt() : stored.startAt(),
        stored.requireApproval(),
        stored.waitForDevices(),
        stored.rollbackStages(),
        stored.expiry());
  }

  /**
   * How long offline devices may wait for their presence after the rollout starts: at least a
   * minute, at most the plan's horizon; null when they are offered online or not.
   */
  static Duration expiry(Integer seconds) {
    if (seconds == null) {
      return null;
    }
    if (seconds < 60 || seconds > HORIZON.toSeconds()) {
      throw ApiException.invalid(
          "expiresAfterSeconds must be between 60 and " + HORIZON.toSeconds());
    }
    return Duration.ofSeconds(seconds);
  }

  /**
   * A rollback's stages: each takes a group, a percentage or a count of the devices still to be
   * taken back, with its own rate, gate (none: it never breaches) and approval. A rollback stage
   * does not soak (its devices go back to a version they ran) and its gate cannot roll back again;
   * empty (null input) for one stage over every device the rollout changed.
   */
  static List<StagePlan> rollbackStages(
      List<RolloutPlanInput.Stage> input, int defaultMaxInFlight) {
    if (input == null) {
      return List.of();
    }
    if (input.isEmpty() || input.size() > MAX_STAGES) {
      throw ApiException.invalid("a rollback has 1 to " + MAX_STAGES + " stages");
    }
    var names = new HashSet<String>();
    List<StagePlan> stages = new ArrayList<>();
    for (RolloutPlanInput.Stage stage : input) {
      name(stage.name(), "rollback stage name");
      if (!names.add(stage.name())) {
        throw ApiException.invalid("rollback stage names must be unique: " + stage.name());
      }
      if (stage.soakSeconds() != null && stage.soakSeconds() != 0) {
        throw ApiException.invalid(
            "rollback stage " + stage.name() + ": a rollback stage does not soak");
      }
      StagePlan plan = stage(stage, defaultMaxInFlight, null);
      if (plan.gate().onBreach() == dev.firmament.orchestrator.rollout.BreachAction.ROLLBACK) {
        throw ApiException.invalid(
            "rollback stage " + stage.name() + ": its gate can PAUSE or ABORT, not ROLLBACK");
      }
      stages.add(plan);
    }
    return stages;
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
    if (input.group() != null) {
      name(input.group(), "stage " + input.name() + ": group");
    }
    if (input.count() != null && (input.count() < 1 || input.count() > MAX_COUNT)) {
      throw ApiException.invalid(
          "stage " + input.name() + ": count must be between 1 and " + MAX_COUNT);
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
      if (r.perMinute() == null
          || r.perMinute() < 1
          || r.perMinute() > MAX_RATE_PER_MINUTE
          || (r.maxPerMinute() != null && r.maxPerMinute() > MAX_RATE_PER_MINUTE)) {
        throw ApiException.invalid(
            "stage "
                + input.name()
                + ": rates are between 1 and "
                + MAX_RATE_PER_MINUTE
                + " starts per minute");
      }
      if (r.factor() != null && r.factor() > MAX_FACTOR) {
        throw ApiException.invalid(
            "stage " + input.name() + ": rate factor may be at most " + MAX_FACTOR);
      }
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
        seconds(input.soakSeconds(), "soakSeconds", MAX_SOAK),
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
            : input.onBreach(),
        input.health() == null ? null : health(input.health()));
  }

  private static HealthPlan health(RolloutPlanInput.Health input) {
    if (input.diagnostic() != null && input.diagnosticThreshold() == null) {
      throw ApiException.invalid("health.diagnosticThreshold is required with health.diagnostic");
    }
    return new HealthPlan(
        input.resetThreshold() == null ? 0 : input.resetThreshold(),
        input.reconnectThreshold() == null ? 0 : input.reconnectThreshold(),
        input.diagnostic(),
        input.diagnosticThreshold() == null ? 0 : input.diagnosticThreshold(),
        input.maxExcess() == null ? 0.1 : input.maxExcess(),
        input.minimumUpdated() == null ? 1 : input.minimumUpdated(),
        seconds(
            input.checkEverySeconds() == null ? 30 : input.checkEverySeconds(),
            "health.checkEverySeconds",
            MAX_SOAK));
  }

  private static RetryPolicy retry(RolloutPlanInput.Retry input) {
    if (input.maxAttempts() == null
        || input.maxAttempts() < 1
        || input.maxAttempts() > MAX_ATTEMPTS) {
      throw ApiException.invalid("retry.maxAttempts must be between 1 and " + MAX_ATTEMPTS);
    }
    Duration initial =
        seconds(
            input.initialBackoffSeconds() == null ? 30 : input.initialBackoffSeconds(),
            "retry.initialBackoffSeconds",
            MAX_BACKOFF);
    if (input.maxAttempts() > 1 && initial.isZero()) {
      // A retry at once meets the device in the state that just failed it.
      throw ApiException.invalid("retry.initialBackoffSeconds must be at least 1");
    }
    double factor = input.backoffFactor() == null ? 2.0 : input.backoffFactor();
    if (factor > MAX_FACTOR) {
      throw ApiException.invalid("retry.backoffFactor may be at most " + MAX_FACTOR);
    }
    if (input.errorCodes() != null) {
      if (input.errorCodes().size() > MAX_ERROR_CODES) {
        throw ApiException.invalid("retry.errorCodes takes at most " + MAX_ERROR_CODES + " codes");
      }
      for (String code : input.errorCodes()) {
        if (code == null || code.isBlank() || code.length() > MAX_ERROR_CODE_LENGTH) {
          throw ApiException.invalid(
              "retry.errorCodes: a code is 1 to " + MAX_ERROR_CODE_LENGTH + " characters");
        }
      }
    }
    return new RetryPolicy(
        input.maxAttempts(),
        initial,
        factor,
        seconds(
            input.maxBackoffSeconds() == null ? 600 : input.maxBackoffSeconds(),
            "retry.maxBackoffSeconds",
            MAX_BACKOFF),
        input.jitter() == null ? 0.2 : input.jitter(),
        input.errorCodes() == null ? null : new HashSet<>(input.errorCodes()));
  }

  private static MaintenanceWindow window(RolloutPlanInput.Window input, Instant start) {
    if (input.cron() == null || !CronExpression.isValidExpression(input.cron())) {
      throw ApiException.invalid("not a six-field cron expression: " + input.cron());
    }
    if (input.durationMinutes() == null
        || input.durationMinutes() < 1
        || input.durationMinutes() > MAX_WINDOW.toMinutes()) {
      throw ApiException.invalid("durationMinutes must be between 1 and " + MAX_WINDOW.toMinutes());
    }
    String zone = input.zone() == null ? "UTC" : input.zone();
    ZoneId zoneId;
    try {
      zoneId = ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw ApiException.invalid("unknown zone: " + zone);
    }
    // A window that never opens (30 February) or opens only years away would hold the rollout
    // open until then: the first opening must fall within the horizon of its start.
    ZonedDateTime from = start.atZone(zoneId);
    ZonedDateTime first = CronExpression.parse(input.cron()).next(from);
    if (first == null || first.isAfter(from.plus(HORIZON))) {
      throw ApiException.invalid(
          "the maintenance window "
              + input.cron()
              + " does not open within "
              + HORIZON.toDays()
              + " days of the start");
    }
    return new MaintenanceWindow(input.cron(), Duration.ofMinutes(input.durationMinutes()), zone);
  }

  static void name(String value, String what) {
    if (value == null || value.isBlank() || value.length() > MAX_NAME_LENGTH) {
      throw ApiException.invalid(what + " must be 1 to " + MAX_NAME_LENGTH + " characters");
    }
    if (value.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.invalid(what + " may not contain control characters");
    }
  }

  /** A duration given in seconds, at least 0 and at most {@code max}. */
  static Duration seconds(Integer value, String name, Duration max) {
    if (value == null) {
      return Duration.ZERO;
    }
    if (value < 0 || value > max.toSeconds()) {
      throw ApiException.invalid(name + " must be between 0 and " + max.toSeconds());
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

  /** The plan a job was created with, from its {@code ota_jobs.plan} JSON; empty for none. */
  public static Optional<RolloutPlan> parse(String json) {
    return fromJson(json);
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
