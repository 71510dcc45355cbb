package dev.firmament.api.cloud;

import dev.firmament.api.AnyOf;
import dev.firmament.api.Page;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * Pages of a device's child rows (its calls, connections, vitals, log lines, diagnostics) for a
 * whole batch of devices: one statement per distinct window and filter, every device answered.
 */
final class DevicePages {
  private DevicePages() {}

  /**
   * What a batch loader is asked for: one device's page.
   *
   * @param filter what narrows the rows, in the terms of the list (null for none)
   */
  record Key(UUID organizationId, String deviceId, int offset, int limit, String filter) {}

  /** Pages of one window and filter, for every device of the batch. */
  interface Source<T> {
    Map<String, Page<T>> pages(
        UUID organizationId, Set<String> deviceIds, int offset, int limit, String filter);
  }

  /** Registers a batch loader of pages under {@code name}, answered by {@code source}. */
  static <T> void register(
      org.springframework.graphql.execution.BatchLoaderRegistry loaders,
      String name,
      Source<T> source) {
    loaders
        .<Key, Page<T>>forName(name)
        .registerMappedBatchLoader(
            (keys, env) -> reactor.core.publisher.Mono.fromCallable(() -> load(keys, source)));
  }

  /** One device's page from the loader registered under {@code name}, batched with the others. */
  static <T> java.util.concurrent.CompletableFuture<Page<T>> page(
      graphql.schema.DataFetchingEnvironment env,
      String name,
      UUID organizationId,
      String deviceId,
      Integer from,
      Integer size,
      String filter) {
    dev.firmament.api.Pagination.Window window = dev.firmament.api.Pagination.fromSize(from, size);
    org.dataloader.DataLoader<Key, Page<T>> loader = env.getDataLoader(name);
    return loader.load(new Key(organizationId, deviceId, window.offset(), window.limit(), filter));
  }

  /** The keys' pages, by one call of {@code source} per distinct window and filter. */
  static <T> Map<Key, Page<T>> load(Set<Key> keys, Source<T> source) {
    record Batch(UUID organizationId, int offset, int limit, String filter) {}
    Map<Key, Page<T>> result = new HashMap<>();
    keys.stream()
        .collect(
            Collectors.groupingBy(
                k -> new Batch(k.organizationId(), k.offset(), k.limit(), k.filter()),
                Collectors.mapping(Key::deviceId, Collectors.toSet())))
        .forEach(
            (batch, deviceIds) ->
                source
                    .pages(
                        batch.organizationId(),
                        deviceIds,
                        batch.offset(),
                        batch.limit(),
                        batch.filter())
                    .forEach(
                        (deviceId, page) ->
                            result.put(
                                new Key(
                                    batch.organizationId(),
                                    deviceId,
                                    batch.offset(),
                                    batch.limit(),
                                    batch.filter()),
                                page)));
    return result;
  }

  /**
   * Rows {@code offset + 1 .. offset + limit} of each device's rows of {@code table} in {@code
   * order}, with each device's total, in one statement (each device's first row is read even past
   * the page, for its total).
   */
  static <T> Map<String, Page<T>> query(
      DSLContext dsl,
      Table<?> table,
      Field<String> device,
      Condition where,
      SortField<?>[] order,
      Collection<String> deviceIds,
      int offset,
      int limit,
      java.util.function.BiFunction<Record, Table<Record>, T> mapper) {
    Map<String, List<T>> items = new HashMap<>();
    Map<String, Integer> totals = new HashMap<>();
    deviceIds.forEach(id -> items.put(id, new ArrayList<>()));
    Field<Integer> position =
        DSL.rowNumber().over(DSL.partitionBy(device).orderBy(order)).as("position");
    Field<Integer> total = DSL.count().over(DSL.partitionBy(device)).as("total");
    Table<Record> ranked =
        dsl.select(table.asterisk(), position, total)
            .from(table)
            .where(where)
            .and(AnyOf.strings(device, deviceIds))
            .asTable("ranked");
    Field<Integer> at = ranked.field(position);
    long end = (long) offset + Math.max(limit, 0);
    dsl.selectFrom(ranked)
        .where(at.eq(1).or(at.gt(offset).and(at.le((int) Math.min(end, Integer.MAX_VALUE)))))
        .orderBy(ranked.field(device), at)
        .forEach(
            r -> {
              String deviceId = r.get(ranked.field(device));
              totals.put(deviceId, r.get(ranked.field(total)));
              int p = r.get(at);
              if (p > offset && p <= end) {
                items.get(deviceId).add(mapper.apply(r, ranked));
              }
            });
    Map<String, Page<T>> result = new HashMap<>();
    items.forEach(
        (deviceId, list) ->
            result.put(deviceId, Page.of(offset, totals.getOrDefault(deviceId, 0), list)));
    return result;
  }
}
