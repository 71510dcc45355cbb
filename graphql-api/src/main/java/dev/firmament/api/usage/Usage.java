package dev.firmament.api.usage;

import static dev.firmament.sql.generated.Tables.SIM_USAGE_DAYS;
import static dev.firmament.sql.generated.Tables.USAGE_DAYS;

import dev.firmament.api.Ids;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.error.ApiException;
import dev.firmament.sql.generated.tables.records.UsageDaysRecord;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;

/**
 * Reads the usage rollups (docs/connectivity.md, "Data usage"): a SIM's usage per month or day, and
 * an organization's usage records per product and day. The rollups are written as usage happens (by
 * the database's {@code record_usage}), so a read sums at most a month of day rows.
 */
@Service
public class Usage {
  private static final Field<Long> OPERATIONS =
      USAGE_DAYS
          .FUNCTION_CALLS
          .plus(USAGE_DAYS.VARIABLE_READS)
          .plus(USAGE_DAYS.EVENTS)
          .plus(USAGE_DAYS.LEDGER_SYNCS);
  private static final Field<Long> BYTES =
      USAGE_DAYS
          .OTA_BYTES
          .plus(USAGE_DAYS.CALL_BYTES)
          .plus(USAGE_DAYS.EVENT_BYTES)
          .plus(USAGE_DAYS.LEDGER_BYTES);
  private static final Map<String, Field<?>> RECORD_SORT =
      Paged.keys(
          Map.entry("date", USAGE_DAYS.DAY),
          Map.entry("productId", USAGE_DAYS.PRODUCT_ID),
          Map.entry("dataOperations", OPERATIONS),
          Map.entry("bytes", BYTES));

  /** The granularity of a SIM's usage list. */
  public enum Granularity {
    DAY,
    MONTH
  }

  private final DSLContext dsl;

  public Usage(DSLContext dsl) {
    this.dsl = dsl;
  }

  static UsagePeriod currentMonth() {
    return UsagePeriod.month(YearMonth.now(ZoneOffset.UTC));
  }

  /**
   * On the request's thread, before a SIM's usage is loaded: the period {@code text} names (the
   * current month when null), for a caller who may read devices; a typed error otherwise.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public UsagePeriod checkedPeriod(String text) {
    return UsagePeriod.parse(text, currentMonth());
  }

  /**
   * On the request's thread, before a SIM's usage history is loaded: the caller may read devices
   * and {@code sort} is one {@link #simHistories} reads; a typed error otherwise.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public void checkHistory(String sort) {
    newestFirst(sort);
  }

  /** The usage of each of these SIMs in {@code period}, in one statement (zero where none). */
  public Map<UUID, SimDataUsage> ofSims(
      UUID organizationId, Collection<UUID> simIds, UsagePeriod period) {
    var s = SIM_USAGE_DAYS;
    Map<UUID, long[]> sums = new HashMap<>();
    simIds.forEach(id -> sums.put(id, new long[5]));
    dsl.select(
            s.SIM_ID,
            DSL.sum(s.OTA_BYTES),
            DSL.sum(s.CALL_BYTES),
            DSL.sum(s.EVENT_BYTES),
            DSL.sum(s.LEDGER_BYTES),
            DSL.sum(s.REPORTED_BYTES))
        .from(s)
        .where(s.ORGANIZATION_ID.eq(organizationId))
        .and(s.SIM_ID.in(simIds))
        .and(s.DAY.ge(period.start()))
        .and(s.DAY.lt(period.end()))
        .groupBy(s.SIM_ID)
        .forEach(
            r ->
                sums.put(
                    r.value1(),
                    new long[] {
                      r.value2().longValue(),
                      r.value3().longValue(),
                      r.value4().longValue(),
                      r.value5().longValue(),
                      r.value6().longValue()
                    }));
    Map<UUID, SimDataUsage> result = new HashMap<>();
    sums.forEach(
        (id, m) ->
            result.put(
                id,
                new SimDataUsage(
                    id.toString(),
                    period.name(),
                    period.start(),
                    period.end(),
                    m[0],
                    m[1],
                    m[2],
                    m[3],
                    m[4])));
    return result;
  }

  /** One SIM's usage history as its batch loader is asked for it: the SIM and the granularity. */
  public record SimHistory(UUID simId, Granularity granularity) {}

  /** The order of a usage history: {@code period} or {@code -period} (the default). */
  static boolean newestFirst(String sort) {
    String value = sort == null || sort.isBlank() ? "-period" : sort.strip();
    if (!value.equals("period") && !value.equals("-period")) {
      throw ApiException.invalid(
          "sort must be one of period (prefix - for descending), got " + sort);
    }
    return value.startsWith("-");
  }

  /**
   * Each SIM's usage per day or month, only the periods with usage, newest first unless {@code
   * sort} is {@code period}: one statement per granularity for all of them (months are summed from
   * the days in PostgreSQL).
   */
  public Map<SimHistory, Page<SimDataUsage>> simHistories(
      UUID organizationId,
      Collection<SimHistory> histories,
      Pagination.Window window,
      String sort) {
    boolean descending = newestFirst(sort);
    var s = SIM_USAGE_DAYS;
    Map<SimHistory, Page<SimDataUsage>> result = new HashMap<>();
    for (Granularity granularity : Granularity.values()) {
      List<UUID> simIds =
          histories.stream()
              .filter(h -> h.granularity() == granularity)
              .map(SimHistory::simId)
              .toList();
      if (simIds.isEmpty()) {
        continue;
      }
      boolean monthly = granularity == Granularity.MONTH;
      Field<LocalDate> start =
          monthly
              ? DSL.field("date_trunc('month', {0})::date", LocalDate.class, s.DAY).as("start")
              : s.DAY.as("start");
      var periods =
          dsl.select(
                  s.SIM_ID,
                  start,
                  DSL.sum(s.OTA_BYTES).as("ota"),
                  DSL.sum(s.CALL_BYTES).as("calls"),
                  DSL.sum(s.EVENT_BYTES).as("events"),
                  DSL.sum(s.LEDGER_BYTES).as("ledger"),
                  DSL.sum(s.REPORTED_BYTES).as("reported"))
              .from(s)
              .where(s.ORGANIZATION_ID.eq(organizationId))
              .and(s.SIM_ID.in(simIds))
              .groupBy(s.SIM_ID, DSL.field(DSL.name("start")))
              .asTable("periods");
      Field<LocalDate> periodStart = periods.field("start", LocalDate.class);
      Field<UUID> sim = periods.field(s.SIM_ID);
      Map<UUID, Page<SimDataUsage>> pages =
          Paged.pagesOf(
              dsl,
              List.of(periods.asterisk()),
              periods,
              DSL.noCondition(),
              sim,
              simIds,
              window,
              List.of(descending ? periodStart.desc() : periodStart.asc()),
              r -> {
                LocalDate day = r.get(periodStart);
                UsagePeriod p =
                    monthly
                        ? UsagePeriod.month(YearMonth.from(day))
                        : new UsagePeriod(day.toString(), day, day.plusDays(1));
                return new SimDataUsage(
                    r.get(sim).toString(),
                    p.name(),
                    p.start(),
                    p.end(),
                    r.get("ota", Long.class),
                    r.get("calls", Long.class),
                    r.get("events", Long.class),
                    r.get("ledger", Long.class),
                    r.get("reported", Long.class));
              });
      pages.forEach((id, page) -> result.put(new SimHistory(id, granularity), page));
    }
    return result;
  }

  /** The organization's usage records: per product and day, filtered and paged. */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Page<UsageRecord> records(
      UUID organizationId, UsageRecord.Filter filter, Pagination.Window window, String sort) {
    var order = Paged.order(sort, "-date", RECORD_SORT, USAGE_DAYS.PRODUCT_ID);
    Condition where = USAGE_DAYS.ORGANIZATION_ID.eq(organizationId);
    if (filter != null) {
      if (filter.productId() != null) {
        where =
            where.and(
                Ids.parse(filter.productId())
                    .map(USAGE_DAYS.PRODUCT_ID::eq)
                    .orElse(DSL.falseCondition()));
      }
      LocalDate fromDate = UsagePeriod.date("fromDate", filter.fromDate());
      LocalDate toDate = UsagePeriod.date("toDate", filter.toDate());
      if (fromDate != null && toDate != null && toDate.isBefore(fromDate)) {
        throw ApiException.invalid("toDate " + toDate + " is before fromDate " + fromDate);
      }
      if (fromDate != null) {
        where = where.and(USAGE_DAYS.DAY.ge(fromDate));
      }
      if (toDate != null) {
        where = where.and(USAGE_DAYS.DAY.le(toDate));
      }
    }
    // The date sort needs its tie-breaker after the product too: one record per product and day.
    List<org.jooq.SortField<?>> full = new ArrayList<>(order);
    if (!order.getFirst().getName().equals(USAGE_DAYS.DAY.getName())) {
      full.add(USAGE_DAYS.DAY.desc());
    }
    return Paged.page(dsl, dsl.selectFrom(USAGE_DAYS).where(where), window, full, Usage::toRecord);
  }

  /** The organization's data operations in a month, all products together. */
  public long dataOperations(UUID organizationId, UsagePeriod period) {
    Long sum =
        dsl.select(DSL.sum(OPERATIONS).cast(Long.class))
            .from(USAGE_DAYS)
            .where(USAGE_DAYS.ORGANIZATION_ID.eq(organizationId))
            .and(USAGE_DAYS.DAY.ge(period.start()))
            .and(USAGE_DAYS.DAY.lt(period.end()))
            .fetchOne(0, Long.class);
    return sum == null ? 0 : sum;
  }

  static UsageRecord toRecord(UsageDaysRecord r) {
    return new UsageRecord(
        r.getProductId().toString(),
        r.getDay(),
        r.getFunctionCalls(),
        r.getVariableReads(),
        r.getEvents(),
        r.getLedgerSyncs(),
        r.getOtaBytes(),
        r.getCallBytes(),
        r.getEventBytes(),
        r.getLedgerBytes(),
        r.getReportedBytes());
  }
}
