package dev.firmament.api.event;

import static dev.firmament.sql.generated.Tables.EVENTS;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/** The stored events: their history, and the daily partitions that hold them. */
@Repository
public class EventRepository {
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
  private static final Pattern PARTITION = Pattern.compile("events_p(\\d{8})");

  private final DSLContext dsl;

  public EventRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** What the history keeps, already checked. */
  public record HistoryFilter(
      UUID organizationId,
      String namePrefix,
      String deviceId,
      UUID productId,
      String source,
      OffsetDateTime after,
      OffsetDateTime before,
      java.util.Set<String> onlyDevices,
      boolean productScopeOnly) {}

  /** A page of the stored events, the newest first. */
  public Page<Event> history(HistoryFilter filter, Pagination.Window window) {
    Condition c = EVENTS.ORGANIZATION_ID.eq(filter.organizationId());
    if (filter.namePrefix() != null) {
      c = c.and(EVENTS.NAME.startsWith(filter.namePrefix()));
    }
    if (filter.deviceId() != null) {
      c = c.and(EVENTS.DEVICE_ID.eq(filter.deviceId()));
    }
    if (filter.productId() != null) {
      c = c.and(EVENTS.PRODUCT_ID.eq(filter.productId()));
    }
    if (filter.source() != null) {
      c = c.and(EVENTS.SOURCE.eq(filter.source().toLowerCase(Locale.ROOT)));
    }
    if (filter.after() != null) {
      c = c.and(EVENTS.PUBLISHED_AT.gt(filter.after()));
    }
    if (filter.before() != null) {
      c = c.and(EVENTS.PUBLISHED_AT.lt(filter.before()));
    }
    if (filter.onlyDevices() != null) {
      c = c.and(dev.firmament.api.AnyOf.strings(EVENTS.DEVICE_ID, filter.onlyDevices()));
    }
    if (filter.productScopeOnly()) {
      c = c.and(EVENTS.SCOPE.eq("product"));
    }
    return Paged.page(
        dsl,
        dsl.selectFrom(EVENTS).where(c),
        window,
        List.of(EVENTS.PUBLISHED_AT.desc(), EVENTS.ID.desc()),
        r ->
            new Event(
                null,
                r.getId().toString(),
                r.getName(),
                r.getData(),
                r.getTtlSeconds(),
                r.getScope().toUpperCase(Locale.ROOT),
                r.getSource().toUpperCase(Locale.ROOT),
                r.getDeviceId(),
                r.getProductId(),
                r.getPublishedAt(),
                r.getBackfilled()));
  }

  /** The daily partitions there are, by their day. */
  public List<LocalDate> partitionDays() {
    List<LocalDate> days = new ArrayList<>();
    dsl.resultQuery(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                + " join pg_class p on p.oid = i.inhparent where p.relname = 'events'")
        .fetch(0, String.class)
        .forEach(
            name -> {
              var m = PARTITION.matcher(name);
              if (m.matches()) {
                days.add(LocalDate.parse(m.group(1), DAY));
              }
            });
    days.sort(null);
    return days;
  }

  /** Creates the day's partition unless it is there. */
  public void createPartition(LocalDate day) {
    OffsetDateTime from = day.atStartOfDay().atOffset(ZoneOffset.UTC);
    dsl.execute(
        "create table if not exists "
            + DSL.name("events_p" + DAY.format(day))
            + " partition of events for values from ({0}) to ({1})",
        DSL.inline(from),
        DSL.inline(from.plusDays(1)));
  }

  /** Drops a day's partition: every event of that day, at once. */
  public void dropPartition(LocalDate day) {
    dsl.execute("drop table if exists " + DSL.name("events_p" + DAY.format(day)));
  }

  /** Deletes events of the default partition (no daily one held them) older than the bound. */
  public int pruneDefault(OffsetDateTime olderThan) {
    return dsl.execute(
        "delete from events_default where published_at < {0}", DSL.inline(olderThan));
  }
}
