package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.SIMS;
import static dev.firmament.sql.generated.Tables.SIM_USAGE_DAYS;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/**
 * Whether an update would take a device's SIM past its monthly data cap (docs/connectivity.md,
 * "Data-aware rollouts"). Only an ACTIVE SIM counts: an inactive or deactivated card carries no
 * data. The month's use is what the SIM's daily rows hold since the first day of the month (UTC),
 * each day the larger of what the platform measured (OTA, calls, events, ledger) and what the
 * device reported, since either may miss bytes the other saw.
 */
@Component
public class DataCaps {
  private final DSLContext dsl;

  public DataCaps(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Why the device waits, when its SIM would pass its cap with {@code updateBytes} more this month;
   * empty when it has no active SIM or the update fits.
   */
  public Optional<Deferral> check(String deviceId, long updateBytes, OffsetDateTime now) {
    LocalDate firstDay = now.withOffsetSameInstant(ZoneOffset.UTC).toLocalDate().withDayOfMonth(1);
    Field<Long> measured =
        SIM_USAGE_DAYS
            .OTA_BYTES
            .plus(SIM_USAGE_DAYS.CALL_BYTES)
            .plus(SIM_USAGE_DAYS.EVENT_BYTES)
            .plus(SIM_USAGE_DAYS.LEDGER_BYTES);
    Field<Long> used =
        DSL.field(
                DSL.select(
                        DSL.coalesce(
                            DSL.sum(DSL.greatest(measured, SIM_USAGE_DAYS.REPORTED_BYTES)),
                            DSL.inline(0)))
                    .from(SIM_USAGE_DAYS)
                    .where(SIM_USAGE_DAYS.SIM_ID.eq(SIMS.ID))
                    .and(SIM_USAGE_DAYS.DAY.ge(firstDay))
                    .and(SIM_USAGE_DAYS.DAY.lt(firstDay.plusMonths(1))))
            .cast(Long.class);
    return dsl.select(SIMS.ID, SIMS.MONTHLY_CAP_BYTES, used)
        .from(SIMS)
        .where(SIMS.DEVICE_ID.eq(deviceId))
        .and(SIMS.STATUS.eq("ACTIVE"))
        .fetchOptional()
        .map(r -> new Usage(r.value1(), r.value2(), r.value3() == null ? 0 : r.value3()))
        .filter(u -> u.used() + updateBytes > u.cap())
        .map(
            u ->
                new Deferral(
                    u.simId(),
                    u.used(),
                    u.cap(),
                    updateBytes,
                    firstDay.plusMonths(1).atStartOfDay().atOffset(ZoneOffset.UTC)));
  }

  private record Usage(UUID simId, long cap, long used) {}

  /**
   * A device held back for its data plan: its SIM, the bytes used this month, the cap, the update's
   * size, and when the SIM's month starts again.
   */
  public record Deferral(UUID simId, long used, long cap, long updateBytes, OffsetDateTime until) {
    /** The result's detail: why the device waits and until when. */
    public String detail() {
      return "deferred: its SIM has used "
          + used
          + " of its "
          + cap
          + " bytes this month and the update is "
          + updateBytes
          + " bytes; waits for "
          + until.toLocalDate()
          + " or an operator's override";
    }

    /** The result's detail when the rollout skips the device for it. */
    public String skippedDetail() {
      return "skipped: its SIM has used "
          + used
          + " of its "
          + cap
          + " bytes this month and the update is "
          + updateBytes
          + " bytes";
    }
  }
}
