package dev.firmament.api;

import dev.firmament.api.Pagination.Window;
import dev.firmament.api.error.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.RecordMapper;
import org.jooq.SelectConditionStep;
import org.jooq.SortField;

/**
 * Pages of a list query in the pagination guide's envelope ({@link Page}), and the {@code sort}
 * argument every paged list takes: a key of the list's, descending with a leading {@code -}.
 */
public final class Paged {
  private Paged() {}

  /**
   * The window of {@code query}'s rows in {@code order}, with the total of all its rows (counted by
   * the database, not fetched).
   */
  public static <R extends Record, T> Page<T> page(
      DSLContext dsl,
      SelectConditionStep<R> query,
      Window window,
      List<SortField<?>> order,
      RecordMapper<? super R, T> mapper) {
    int total = dsl.fetchCount(query);
    List<T> items =
        window.limit() == 0 || window.offset() >= total
            ? List.of()
            : query.orderBy(order).offset(window.offset()).limit(window.limit()).fetch(mapper);
    return Page.of(window.offset(), total, items);
  }

  /** Sort keys in the order an error names them. */
  @SafeVarargs
  public static Map<String, Field<?>> keys(Map.Entry<String, Field<?>>... entries) {
    Map<String, Field<?>> keys = new LinkedHashMap<>();
    for (Map.Entry<String, Field<?>> entry : entries) {
      keys.put(entry.getKey(), entry.getValue());
    }
    return keys;
  }

  /**
   * The order a {@code sort} argument names among {@code keys} (in the order the error lists them),
   * {@code fallback} when it is absent, with {@code tieBreaker} last so that pages never overlap.
   * An unknown key is a typed INVALID_ARGUMENT that names the keys.
   */
  public static List<SortField<?>> order(
      String sort, String fallback, Map<String, Field<?>> keys, Field<?> tieBreaker) {
    String value = sort == null || sort.isBlank() ? fallback : sort.strip();
    boolean descending = value.startsWith("-");
    Field<?> field = keys.get(descending ? value.substring(1) : value);
    if (field == null) {
      throw ApiException.invalid(
          "sort must be one of "
              + String.join(", ", keys.keySet())
              + " (prefix - for descending), got "
              + sort);
    }
    List<SortField<?>> order = new ArrayList<>(2);
    order.add(descending ? field.desc() : field.asc());
    if (!field.equals(tieBreaker)) {
      order.add(descending ? tieBreaker.desc() : tieBreaker.asc());
    }
    return order;
  }
}
