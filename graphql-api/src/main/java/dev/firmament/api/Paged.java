package dev.firmament.api;

import dev.firmament.api.Pagination.Window;
import dev.firmament.api.error.ApiException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.RecordMapper;
import org.jooq.SelectConditionStep;
import org.jooq.SelectFieldOrAsterisk;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.TableLike;
import org.jooq.impl.DSL;

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

  /**
   * A page of each parent's children in one statement: the rows of {@code from} matching {@code
   * where} and belonging to one of {@code parents}, numbered per parent in {@code order}, with each
   * parent's total counted alongside. Every parent has a page, empty when it has no children or the
   * window starts past them. {@code mapper} reads a row by the fields of {@code fields}.
   */
  public static <P, T> Map<P, Page<T>> pagesOf(
      DSLContext dsl,
      List<? extends SelectFieldOrAsterisk> fields,
      TableLike<?> from,
      Condition where,
      Field<P> parent,
      Collection<P> parents,
      Window window,
      List<SortField<?>> order,
      Function<Record, T> mapper) {
    Map<P, Integer> totals = new HashMap<>();
    Map<P, List<T>> items = new HashMap<>();
    for (P id : parents) {
      totals.put(id, 0);
      items.put(id, new ArrayList<>());
    }
    if (!parents.isEmpty()) {
      Field<Integer> position =
          DSL.rowNumber().over(DSL.partitionBy(parent).orderBy(order)).as("page_position");
      Field<Integer> total = DSL.count().over(DSL.partitionBy(parent)).as("page_total");
      Field<P> owner = parent.as("page_parent");
      List<SelectFieldOrAsterisk> selected = new ArrayList<>(fields);
      selected.add(owner);
      selected.add(position);
      selected.add(total);
      Table<Record> ranked =
          dsl.select(selected).from(from).where(where.and(parent.in(parents))).asTable("ranked");
      Field<Integer> rankedPosition = ranked.field(position);
      Field<P> rankedParent = ranked.field(owner);
      long end = (long) window.offset() + window.limit();
      Condition inWindow =
          window.limit() == 0
              ? DSL.falseCondition()
              : rankedPosition
                  .gt(window.offset())
                  .and(end >= Integer.MAX_VALUE ? DSL.noCondition() : rankedPosition.le((int) end));
      // The first row of every parent is read too, for its total when the window is past the end.
      dsl.selectFrom(ranked)
          .where(inWindow.or(rankedPosition.eq(1)))
          .orderBy(rankedParent, rankedPosition)
          .forEach(
              r -> {
                P id = r.get(rankedParent);
                totals.put(id, r.get(ranked.field(total)));
                int at = r.get(rankedPosition);
                if (at > window.offset() && at <= end) {
                  items.get(id).add(mapper.apply(r));
                }
              });
    }
    Map<P, Page<T>> pages = new HashMap<>();
    totals.forEach((id, count) -> pages.put(id, Page.of(window.offset(), count, items.get(id))));
    return pages;
  }

  /**
   * What a paged child field asks of its batch loader: a window of one parent's children, in the
   * organization the request resolved, sorted as the {@code sort} argument says.
   */
  public record ChildPage<P>(UUID organizationId, P parent, Window window, String sort) {}

  /** Loads the pages of many parents that share an organization, a window and a sort. */
  @FunctionalInterface
  public interface ChildPages<P, T> {
    Map<P, Page<T>> load(UUID organizationId, Collection<P> parents, Window window, String sort);
  }

  /**
   * Registers under {@code name} a batch loader of {@link ChildPage} keys answered by {@code pages}
   * (see {@link #batch}).
   */
  public static <P, T> void register(
      org.springframework.graphql.execution.BatchLoaderRegistry loaders,
      String name,
      ChildPages<P, T> pages) {
    loaders
        .<ChildPage<P>, Page<T>>forName(name)
        .registerMappedBatchLoader(
            (keys, env) -> reactor.core.publisher.Mono.fromCallable(() -> batch(keys, pages)));
  }

  /**
   * One parent's page from the loader registered under {@code name} ({@link #register}), batched
   * with the other parents of the request.
   */
  public static <P, T> java.util.concurrent.CompletableFuture<Page<T>> child(
      graphql.schema.DataFetchingEnvironment env,
      String name,
      UUID organizationId,
      P parent,
      Integer from,
      Integer size,
      String sort) {
    return env.<ChildPage<P>, Page<T>>getDataLoader(name)
        .load(new ChildPage<>(organizationId, parent, Pagination.fromSize(from, size), sort));
  }

  /**
   * Answers a batch of {@link ChildPage} keys with one {@code loader} call per distinct
   * organization, window and sort (usually one).
   */
  public static <P, T> Map<ChildPage<P>, Page<T>> batch(
      Set<ChildPage<P>> keys, ChildPages<P, T> loader) {
    Map<ChildPage<P>, Page<T>> result = new HashMap<>();
    keys.stream()
        .collect(
            Collectors.groupingBy(
                k -> new ChildPage<Void>(k.organizationId(), null, k.window(), k.sort())))
        .forEach(
            (shared, group) -> {
              Map<P, Page<T>> pages =
                  loader.load(
                      shared.organizationId(),
                      group.stream().map(ChildPage::parent).collect(Collectors.toSet()),
                      shared.window(),
                      shared.sort());
              group.forEach(k -> result.put(k, pages.get(k.parent())));
            });
    return result;
  }
}
