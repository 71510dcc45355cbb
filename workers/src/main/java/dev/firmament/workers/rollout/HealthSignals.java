package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CONNECTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static dev.firmament.sql.generated.Tables.DIAGNOSTIC_EVENTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.HealthReport;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import java.time.OffsetDateTime;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/**
 * The health gate's numbers: for each device of a stage that updated, and for a sample of the
 * rollout's devices not yet updated, what it reported since (since its update; a device not yet
 * updated since the stage's first update): its abnormal resets (RESET diagnostics of WARNING
 * severity), its reconnections, and the largest value of the plan's named diagnostic. One
 * statement, with a correlated count per device and signal.
 */
@Repository
public class HealthSignals {
  /** Devices not yet updated looked at, at most: a sample, so a large fleet costs no more. */
  static final int CONTROL_SAMPLE = 1000;

  private final DSLContext dsl;
  private final JobTargets targets;

  public HealthSignals(DSLContext dsl, JobTargets targets) {
    this.dsl = dsl;
    this.targets = targets;
  }

  public HealthReport report(OtaJobsRecord job, int stageIndex, HealthPlan plan) {
    var updatedRows =
        OTA_RESULTS
            .JOB_ID
            .eq(job.getId())
            .and(OTA_RESULTS.STAGE.eq(stageIndex))
            .and(OTA_RESULTS.STATE.eq(DeviceUpdateState.SUCCEEDED.name()));
    OffsetDateTime firstUpdate =
        dsl.select(DSL.min(OTA_RESULTS.UPDATED_AT))
            .from(OTA_RESULTS)
            .where(updatedRows)
            .fetchOne(0, OffsetDateTime.class);
    if (firstUpdate == null) {
      return HealthReport.none();
    }
    Field<String> id = DSL.field("id", String.class);
    Field<OffsetDateTime> since = DSL.field("since", OffsetDateTime.class);
    Field<Boolean> updated = DSL.field("updated", Boolean.class);
    var updatedDevices =
        dsl.select(
                OTA_RESULTS.DEVICE_ID.as(id),
                OTA_RESULTS.UPDATED_AT.as(since),
                DSL.inline(true).as(updated))
            .from(OTA_RESULTS)
            .where(updatedRows);
    var succeeded = OTA_RESULTS.as("succeeded");
    var notYetUpdated =
        dsl.select(DEVICES.ID.as(id), DSL.val(firstUpdate).as(since), DSL.inline(false).as(updated))
            .from(DEVICES)
            .where(targets.condition(job))
            .and(DEVICES.FIRMWARE_VERSION.isDistinctFrom(job.getTargetVersion()))
            .andNotExists(
                DSL.selectOne()
                    .from(succeeded)
                    .where(succeeded.JOB_ID.eq(job.getId()))
                    .and(succeeded.DEVICE_ID.eq(DEVICES.ID))
                    .and(succeeded.STATE.eq(DeviceUpdateState.SUCCEEDED.name())))
            .orderBy(DEVICES.ID)
            .limit(CONTROL_SAMPLE);
    var cohort = updatedDevices.unionAll(notYetUpdated).asTable("cohort");
    Field<String> device = cohort.field(id);
    Field<OffsetDateTime> from = cohort.field(since);

    Field<Integer> resets =
        DSL.field(
            DSL.selectCount()
                .from(DIAGNOSTIC_EVENTS)
                .where(DIAGNOSTIC_EVENTS.DEVICE_ID.eq(device))
                .and(DIAGNOSTIC_EVENTS.KIND.eq("RESET"))
                .and(DIAGNOSTIC_EVENTS.SEVERITY.eq("WARNING"))
                .and(DIAGNOSTIC_EVENTS.OCCURRED_AT.gt(from)));
    Field<Integer> reconnects =
        DSL.field(
            DSL.selectCount()
                .from(DEVICE_CONNECTIONS)
                .where(DEVICE_CONNECTIONS.DEVICE_ID.eq(device))
                .and(DEVICE_CONNECTIONS.PREVIOUS_DISCONNECT.isNotNull())
                .and(DEVICE_CONNECTIONS.CONNECTED_AT.gt(from)));
    Field<Double> diagnostic =
        plan.diagnostic() == null
            ? DSL.inline((Double) null, Double.class)
            : DSL.field(
                DSL.select(
                        DSL.max(
                            DSL.field(
                                "(({0})::jsonb ->> {1})::float8",
                                Double.class,
                                DEVICE_VITALS.DIAGNOSTICS,
                                DSL.val(plan.diagnostic()))))
                    .from(DEVICE_VITALS)
                    .where(DEVICE_VITALS.DEVICE_ID.eq(device))
                    .and(DEVICE_VITALS.MEASURED_AT.gt(from)));

    Tally updatedTally = new Tally();
    Tally controlTally = new Tally();
    for (Record r :
        dsl.select(cohort.field(updated), resets, reconnects, diagnostic).from(cohort).fetch()) {
      Tally tally = Boolean.TRUE.equals(r.get(0, Boolean.class)) ? updatedTally : controlTally;
      tally.count(plan, r.get(1, Integer.class), r.get(2, Integer.class), r.get(3, Double.class));
    }
    return new HealthReport(
        updatedTally.devices,
        updatedTally.unhealthy,
        controlTally.devices,
        controlTally.unhealthy,
        updatedTally.describe(plan, "updated devices")
            + " against "
            + controlTally.describe(plan, "not yet updated"));
  }

  /** Devices and which thresholds they reached. */
  private static final class Tally {
    int devices;
    int unhealthy;
    int resetting;
    int reconnecting;
    int overDiagnostic;

    void count(HealthPlan plan, int resets, int reconnects, Double diagnostic) {
      devices++;
      boolean r = plan.resetThreshold() > 0 && resets >= plan.resetThreshold();
      boolean c = plan.reconnectThreshold() > 0 && reconnects >= plan.reconnectThreshold();
      boolean d =
          plan.diagnostic() != null
              && diagnostic != null
              && diagnostic >= plan.diagnosticThreshold();
      resetting += r ? 1 : 0;
      reconnecting += c ? 1 : 0;
      overDiagnostic += d ? 1 : 0;
      unhealthy += r || c || d ? 1 : 0;
    }

    String describe(HealthPlan plan, String what) {
      StringBuilder s = new StringBuilder();
      s.append(unhealthy)
          .append(" of ")
          .append(devices)
          .append(' ')
          .append(what)
          .append(" unhealthy");
      StringBuilder why = new StringBuilder();
      if (plan.resetThreshold() > 0) {
        why.append(resetting)
            .append(" with ")
            .append(plan.resetThreshold())
            .append("+ abnormal resets");
      }
      if (plan.reconnectThreshold() > 0) {
        why.append(why.isEmpty() ? "" : ", ")
            .append(reconnecting)
            .append(" with ")
            .append(plan.reconnectThreshold())
            .append("+ reconnections");
      }
      if (plan.diagnostic() != null) {
        why.append(why.isEmpty() ? "" : ", ")
            .append(overDiagnostic)
            .append(" with ")
            .append(plan.diagnostic())
            .append(" >= ")
            .append(plan.diagnosticThreshold());
      }
      return s.append(" (").append(why).append(')').toString();
    }
  }
}
