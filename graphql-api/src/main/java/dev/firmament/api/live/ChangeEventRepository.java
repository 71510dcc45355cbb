package dev.firmament.api.live;

import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.table;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectField;
import org.jooq.Table;
import org.springframework.stereotype.Repository;

/**
 * Reads the change feed ({@code change_events}, see V17__change_feed.sql) in cursor order, only
 * rows of transactions that ended before every running one, so that a cursor never skips a row a
 * transaction commits later.
 */
@Repository
public class ChangeEventRepository {
  private static final Table<?> EVENTS = table("change_events");
  private static final Field<Long> TX = field("tx", Long.class);
  private static final Field<Long> ID = field("id", Long.class);
  private static final Condition SETTLED =
      condition("tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint");
  private static final List<SelectField<?>> COLUMNS =
      List.of(
          TX,
          ID,
          field("organization_id", UUID.class),
          field("kind", String.class),
          field("job_id", UUID.class),
          field("device_id", String.class),
          field("product_id", UUID.class),
          field("stage", Integer.class),
          field("phase", String.class),
          field("state", String.class),
          field("previous", String.class),
          field("attempt", Integer.class),
          field("bytes_sent", Long.class),
          field("error_code", String.class),
          field("recorded_at", OffsetDateTime.class),
          field("event_id", Long.class),
          field("event_name", String.class),
          field("event_data", String.class),
          field("event_ttl", Integer.class),
          field("event_scope", String.class),
          field("event_source", String.class),
          field("event_backfilled", Boolean.class));

  private final DSLContext dsl;

  public ChangeEventRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** The last settled row: where a feed that starts now begins. */
  public ChangeCursor head() {
    return head(dsl);
  }

  static ChangeCursor head(DSLContext dsl) {
    return dsl.select(TX, ID)
        .from(EVENTS)
        .where(SETTLED)
        .orderBy(field("tx").desc(), ID.desc())
        .limit(1)
        .fetchOptional(r -> new ChangeCursor(r.value1(), r.value2()))
        .orElse(ChangeCursor.START);
  }

  /**
   * Settled rows after {@code after}, of every organization, oldest first, at most {@code limit}.
   */
  public static List<ChangeEvent> settledAfter(DSLContext dsl, ChangeCursor after, int limit) {
    return after(dsl, after, limit);
  }

  /** Settled rows after {@code after}, of every organization, oldest first. */
  static List<ChangeEvent> after(DSLContext dsl, ChangeCursor after, int limit) {
    return dsl.select(COLUMNS)
        .from(EVENTS)
        .where(after(after))
        .and(SETTLED)
        .orderBy(field("tx"), ID)
        .limit(limit)
        .fetch(ChangeEventRepository::event);
  }

  /**
   * Stored rows the filter keeps in {@code (after, upTo]}, oldest first, at most {@code limit}:
   * what a resuming subscriber missed up to where the live feed stood when it subscribed.
   */
  public List<ChangeEvent> replay(
      ChangeFilter filter, ChangeCursor after, ChangeCursor upTo, int limit) {
    return dsl.select(COLUMNS)
        .from(EVENTS)
        .where(after(after))
        .and(condition("(tx, id) <= (?, ?)", inline(upTo.tx()), inline(upTo.id())))
        .and(filter.condition())
        .orderBy(field("tx"), ID)
        .limit(limit)
        .fetch(ChangeEventRepository::event);
  }

  /** Where deleted rows end: a cursor before it can no longer be resumed from. */
  public Optional<ChangeCursor> horizon() {
    return dsl.select(field("deleted_tx", Long.class), field("deleted_id", Long.class))
        .from(table("change_feed_horizon"))
        .fetchOptional(r -> new ChangeCursor(r.value1(), r.value2()));
  }

  /**
   * Deletes settled rows recorded before {@code retention} ago, at most {@code batch} of them, and
   * moves the horizon past them, in one transaction.
   *
   * @return how many rows were deleted
   */
  public int prune(Duration retention, int batch) {
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          List<Record> deleted =
              tx.resultQuery(
                      "with doomed as (select id from change_events"
                          + " where recorded_at < now() - ? * interval '1 millisecond'"
                          + " and tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
                          // Rows the webhook dispatcher has not fanned out yet stay (V37).
                          + " and (not exists (select 1 from webhooks)"
                          + " or (tx, id) <= (select after_tx, after_id from webhook_dispatch))"
                          + " order by tx, id limit ?)"
                          + " delete from change_events e using doomed d where e.id = d.id"
                          + " returning e.tx, e.id",
                      retention.toMillis(),
                      batch)
                  .fetch();
          if (deleted.isEmpty()) {
            return 0;
          }
          ChangeCursor last =
              deleted.stream()
                  .map(r -> new ChangeCursor(r.get(0, Long.class), r.get(1, Long.class)))
                  .max(ChangeCursor::compareTo)
                  .orElseThrow();
          tx.execute(
              "insert into change_feed_horizon (deleted_tx, deleted_id) values (?, ?)"
                  + " on conflict (singleton) do update set deleted_tx = excluded.deleted_tx,"
                  + " deleted_id = excluded.deleted_id, updated_at = now()"
                  + " where (excluded.deleted_tx, excluded.deleted_id)"
                  + " > (change_feed_horizon.deleted_tx, change_feed_horizon.deleted_id)",
              last.tx(),
              last.id());
          return deleted.size();
        });
  }

  private static Condition after(ChangeCursor after) {
    return condition("(tx, id) > (?, ?)", inline(after.tx()), inline(after.id()));
  }

  private static ChangeEvent event(Record r) {
    return new ChangeEvent(
        new ChangeCursor(r.get(0, Long.class), r.get(1, Long.class)),
        r.get(2, UUID.class),
        ChangeEvent.Kind.valueOf(r.get(3, String.class)),
        r.get(4, UUID.class),
        r.get(5, String.class),
        r.get(6, UUID.class),
        r.get(7, Integer.class),
        r.get(8, String.class),
        r.get(9, String.class),
        r.get(10, String.class),
        r.get(11, Integer.class),
        r.get(12, Long.class),
        r.get(13, String.class),
        r.get(14, OffsetDateTime.class),
        r.get(15) == null
            ? null
            : new ChangeEvent.EventPayload(
                r.get(15, Long.class),
                r.get(16, String.class),
                r.get(17, String.class),
                r.get(18, Integer.class),
                r.get(19, String.class),
                r.get(20, String.class),
                Boolean.TRUE.equals(r.get(21, Boolean.class))));
  }
}
