package dev.firmament.workers.bench;

import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * Rows written per table (inserted, updated or deleted, triggers' rows included), as PostgreSQL's
 * own statistics count them: {@link #snapshot} before and after a phase, {@link #since} for the
 * difference. The engine and the database floor are counted by the same instrument, so the floor
 * can be checked to write no fewer rows than the engine.
 *
 * <p>A backend publishes its counts to {@code pg_stat_user_tables} only from time to time (at most
 * once a second, or after ten idle seconds), and always when it exits. A snapshot therefore closes
 * the pool's connections first, then reads until two reads agree.
 */
record RowWrites(Map<String, Long> byTable) {
  private static final String QUERY =
      "select relname, n_tup_ins + n_tup_upd + n_tup_del from pg_stat_user_tables"
          + " where schemaname = 'public' and relname <> 'flyway_schema_history'";

  static RowWrites snapshot(HikariDataSource dataSource, DSLContext dsl)
      throws InterruptedException {
    dataSource.getHikariPoolMXBean().softEvictConnections();
    RowWrites last = read(dsl);
    for (int i = 0; i < 50; i++) {
      Thread.sleep(200);
      RowWrites next = read(dsl);
      if (next.equals(last)) {
        return next;
      }
      last = next;
    }
    return last;
  }

  private static RowWrites read(DSLContext dsl) {
    Map<String, Long> rows = new TreeMap<>();
    for (Record r : dsl.fetch(QUERY)) {
      rows.put(r.get(0, String.class), r.get(1, Long.class));
    }
    return new RowWrites(rows);
  }

  /** The rows written between {@code before} and this snapshot, per table that changed. */
  RowWrites since(RowWrites before) {
    Map<String, Long> diff = new TreeMap<>();
    byTable.forEach(
        (table, n) -> {
          long d = n - before.byTable.getOrDefault(table, 0L);
          if (d != 0) {
            diff.put(table, d);
          }
        });
    return new RowWrites(diff);
  }

  long total() {
    return byTable.values().stream().mapToLong(Long::longValue).sum();
  }

  long of(String table) {
    return byTable.getOrDefault(table, 0L);
  }

  /** "9.00 rows per device: audit_log 1.00, devices 1.00, …". */
  String perDevice(int devices) {
    return String.format("%.2f rows per device: ", (double) total() / devices)
        + byTable.entrySet().stream()
            .map(e -> String.format("%s %.2f", e.getKey(), (double) e.getValue() / devices))
            .collect(Collectors.joining(", "));
  }
}
