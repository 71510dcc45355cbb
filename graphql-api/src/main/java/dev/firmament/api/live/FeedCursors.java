package dev.firmament.api.live;

import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * A dispatcher's position in the change feed, kept in a one-row table of its own ({@code id} 1,
 * {@code after_tx}, {@code after_id}, {@code updated_at}): the webhooks' and cloud code's. Read and
 * moved inside the dispatcher's transaction, so what it wrote from the changes and its new position
 * commit together.
 */
public final class FeedCursors {
  private FeedCursors() {}

  /**
   * Locks the cursor's row and reads up to {@code limit} settled changes after it, oldest first;
   * empty when another process holds the row (it is dispatching) or nothing is new.
   *
   * @param table the cursor's table, one of ours (its name is written into the statement)
   */
  public static List<ChangeEvent> lockAndRead(DSLContext tx, String table, int limit) {
    Optional<Record> row =
        tx.resultQuery(
                "select after_tx, after_id from " + table + " where id = 1 for update skip locked")
            .fetchOptional();
    if (row.isEmpty()) {
      return List.of();
    }
    ChangeCursor after =
        new ChangeCursor(row.get().get(0, Long.class), row.get().get(1, Long.class));
    return ChangeEventRepository.after(tx, after, limit);
  }

  /** Moves the cursor past {@code read}'s last change. */
  public static void advance(DSLContext tx, String table, List<ChangeEvent> read) {
    ChangeCursor last = read.getLast().cursor();
    tx.execute(
        "update " + table + " set after_tx = ?, after_id = ?, updated_at = now() where id = 1",
        last.tx(),
        last.id());
  }
}
