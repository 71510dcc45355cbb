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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

  /** One SIM's usage in one period (the current month when {@code period} is null). */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public SimDataUsage ofSim(UUID simId, String period) {
    UsagePeriod p = UsagePeriod.parse(period, currentMonth());
    var s = SIM_USAGE_DAYS;
    var row =
        dsl.select(
                DSL.coalesce(DSL.sum(s.OTA_BYTES), java.math.BigDecimal.ZERO),
                DSL.coalesce(DSL.sum(s.CALL_BYTES), java.math.BigDecimal.ZERO),
                DSL.coalesce(DSL.sum(s.EVENT_BYTES), java.math.BigDecimal.ZERO),
                DSL.coalesce(DSL.sum(s.LEDGER_BYTES), java.math.BigDecimal.ZERO),
                DSL.coalesce(DSL.sum(s.REPORTED_BYTES), java.math.BigDecimal.ZERO))
            .from(s)
            .where(s.SIM_ID.eq(simId))
            .and(s.DAY.ge(p.start()))
            .and(s.DAY.lt(p.end()))
            .fetchSingle();
    return new SimDataUsage(
        simId.toString(),
        p.name(),
        p.start(),
        p.end(),
        row.value1().longValue(),
        row.value2().longValue(),
        row.value3().longValue(),
        row.value4().longValue(),
        row.value5().longValue());
  }

  /**
   * A SIM's usage per day or month, only the periods with usage, newest first unless {@code sort}
   * is {@code period}.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Page<SimDataUsage> simHistory(
      UUID simId, Granularity granularity, Pagination.Window window, String sort) {
    String value = sort == null || sort.isBlank() ? "-period" : sort.strip();
    if (!value.equals("period") && !value.equals("-period")) {
      throw ApiException.invalid(
          "sort must be one of period (prefix - for descending), got " + sort);
    }
    boolean descending = value.startsWith("-");
    var s = SIM_USAGE_DAYS;
    if (granularity != Granularity.MONTH) {
      return Paged.page(
          dsl,
          dsl.selectFrom(s).where(s.SIM_ID.eq(simId)),
          window,
          List.of(descending ? s.DAY.desc() : s.DAY.asc()),
          r ->
              new SimDataUsage(
                  simId.toString(),
                  r.getDay().toString(),
                  r.getDay(),
                  r.getDay().plusDays(1),
                  r.getOtaBytes(),
                  r.getCallBytes(),
                  r.getEventBytes(),
                  r.getLedgerBytes(),
                  r.getReportedBytes()));
    }
    // A SIM has a few dozen months at most: they are summed from its days and paged here.
    Map<YearMonth, long[]> months = new TreeMap<>();
    dsl.selectFrom(s)
        .where(s.SIM_ID.eq(simId))
        .forEach(
            r -> {
              long[] m = months.computeIfAbsent(YearMonth.from(r.getDay()), k -> new long[5]);
              m[0] += r.getOtaBytes();
              m[1] += r.getCallBytes();
              m[2] += r.getEventBytes();
              m[3] += r.getLedgerBytes();
              m[4] += r.getReportedBytes();
            });
    List<SimDataUsage> all = new ArrayList<>(months.size());
    months.forEach(
        (month, m) -> {
          UsagePeriod p = UsagePeriod.month(month);
          all.add(
              new SimDataUsage(
                  simId.toString(), p.name(), p.start(), p.end(), m[0], m[1], m[2], m[3], m[4]));
        });
    if (descending) {
      all.sort(Comparator.comparing(SimDataUsage::start).reversed());
    }
    int from = Math.min(window.offset(), all.size());
    int to = (int) Math.min(all.size(), (long) from + window.limit());
    return Page.of(window.offset(), all.size(), all.subList(from, to));
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
