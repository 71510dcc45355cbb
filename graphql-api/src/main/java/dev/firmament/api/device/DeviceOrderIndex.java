package dev.firmament.api.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.PRODUCTS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.SortField;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/**
 * Pages of devices at any offset without walking past every device before the page: the ordered ids
 * of a product's devices (or of the whole organization's), kept while the order's version holds.
 * Each product keeps the number of its devices and a version bumped when a device joins, leaves or
 * is renamed (database triggers, V25), so a request reads one row of {@code products} to know the
 * total and whether what is kept still holds, then its page's rows by id.
 *
 * <p>Used for the orders by id and by name, over the devices of one product or of the whole
 * organization, and only for callers who see every device of the organization (a customer sees only
 * its mapped devices and is answered by the database). Lists smaller than {@link #MIN_SIZE} are
 * answered by the database too, where the walk costs nothing; at most {@link #MAX_IDS} ids are kept
 * in all, beyond that the oldest orders are dropped.
 */
@Component
public class DeviceOrderIndex {
  static final int MIN_SIZE = 2_000;
  static final int MAX_IDS = 5_000_000;

  /** The orders kept: by id or by name (id breaking ties), each ascending or descending. */
  enum Order {
    ID_ASC,
    ID_DESC,
    NAME_ASC,
    NAME_DESC;

    List<SortField<?>> fields() {
      return switch (this) {
        case ID_ASC -> List.of(DEVICES.ID.asc());
        case ID_DESC -> List.of(DEVICES.ID.desc());
        case NAME_ASC -> List.of(DEVICES.NAME.asc(), DEVICES.ID.asc());
        case NAME_DESC -> List.of(DEVICES.NAME.desc(), DEVICES.ID.desc());
      };
    }

    /** The order a {@code login.devices} sort names, if it is one kept here. */
    static Optional<Order> of(String sort) {
      String value = sort == null || sort.isBlank() ? "name" : sort.strip();
      return switch (value) {
        case "id" -> Optional.of(ID_ASC);
        case "-id" -> Optional.of(ID_DESC);
        case "name" -> Optional.of(NAME_ASC);
        case "-name" -> Optional.of(NAME_DESC);
        default -> Optional.empty();
      };
    }
  }

  /** A list of devices: one product's ({@code productId} set) or the organization's. */
  private record Key(UUID organizationId, UUID productId, Order order) {}

  private record Entry(String version, String[] ids, long usedAt) {}

  /** What the database says of a list now: how many devices, and its order's version. */
  private record State(int total, String version) {}

  /** A window of a list: every device's total and the ids of the page, in order. */
  public record Window(int total, List<String> ids) {}

  private final DSLContext dsl;
  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  private final Map<Key, Object> loading = new ConcurrentHashMap<>();
  private final AtomicLong clock = new AtomicLong();

  public DeviceOrderIndex(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * The total and the ids of the window {@code offset}/{@code limit} of a list, or empty when the
   * list is small and the database answers it as cheaply.
   *
   * @param productId one product's devices, or null for all of the organization's
   */
  public Optional<Window> window(
      UUID organizationId, UUID productId, Order order, int offset, int limit) {
    Key key = new Key(organizationId, productId, order);
    State state = state(organizationId, productId);
    if (state == null) {
      return Optional.of(new Window(0, List.of()));
    }
    if (state.total() < MIN_SIZE) {
      return Optional.empty();
    }
    Entry entry = current(key, state);
    String[] ids = entry.ids();
    int from = Math.min(offset, ids.length);
    int to = (int) Math.min((long) from + limit, ids.length);
    return Optional.of(new Window(ids.length, Arrays.asList(ids).subList(from, to)));
  }

  private Entry current(Key key, State state) {
    Entry entry = entries.get(key);
    if (entry != null && entry.version().equals(state.version())) {
      return touched(key, entry);
    }
    // One load per list at a time: concurrent requests for a list that changed wait for it.
    synchronized (loading.computeIfAbsent(key, k -> new Object())) {
      entry = entries.get(key);
      if (entry != null && entry.version().equals(state.version())) {
        return touched(key, entry);
      }
      // The version was read before the ids: what is loaded is at least as new as the version it
      // is kept under, and a change after it shows as a newer version on the next request.
      Entry loaded = new Entry(state.version(), load(key), clock.incrementAndGet());
      entries.put(key, loaded);
      evictBeyondLimit(key);
      return loaded;
    }
  }

  private Entry touched(Key key, Entry entry) {
    Entry used = new Entry(entry.version(), entry.ids(), clock.incrementAndGet());
    entries.replace(key, entry, used);
    return used;
  }

  private void evictBeyondLimit(Key keep) {
    long kept = entries.values().stream().mapToLong(e -> e.ids().length).sum();
    if (kept <= MAX_IDS) {
      return;
    }
    List<Map.Entry<Key, Entry>> oldestFirst = new ArrayList<>(entries.entrySet());
    oldestFirst.sort((a, b) -> Long.compare(a.getValue().usedAt(), b.getValue().usedAt()));
    for (Map.Entry<Key, Entry> e : oldestFirst) {
      if (kept <= MAX_IDS) {
        break;
      }
      if (!e.getKey().equals(keep)) {
        entries.remove(e.getKey(), e.getValue());
        kept -= e.getValue().ids().length;
      }
    }
  }

  private State state(UUID organizationId, UUID productId) {
    Condition own = PRODUCTS.ORGANIZATION_ID.eq(organizationId);
    if (productId != null) {
      Record2<Integer, Long> row =
          dsl.select(PRODUCTS.DEVICE_COUNT, PRODUCTS.DEVICE_VERSION)
              .from(PRODUCTS)
              .where(own.and(PRODUCTS.ID.eq(productId)))
              .fetchOne();
      return row == null ? null : new State(row.value1(), Long.toString(row.value2()));
    }
    // The organization's list is as new as every one of its products': its version names each
    // product with its own (a digest of them), so a product added or removed changes it too.
    Record2<Integer, String> row =
        dsl.select(
                DSL.coalesce(DSL.sum(PRODUCTS.DEVICE_COUNT), DSL.inline(0)).cast(Integer.class),
                DSL.md5(
                    DSL.coalesce(
                        DSL.field(
                            "string_agg({0}::text || ':' || {1}::text, ',' order by {0})",
                            String.class, PRODUCTS.ID, PRODUCTS.DEVICE_VERSION),
                        DSL.inline(""))))
            .from(PRODUCTS)
            .where(own)
            .fetchOne();
    return new State(row.value1(), row.value2());
  }

  private String[] load(Key key) {
    Condition which =
        key.productId() == null
            ? DEVICES.ORGANIZATION_ID.eq(key.organizationId())
            : DEVICES
                .ORGANIZATION_ID
                .eq(key.organizationId())
                .and(DEVICES.PRODUCT_ID.eq(key.productId()));
    return dsl.select(DEVICES.ID)
        .from(DEVICES)
        .where(which)
        .orderBy(key.order().fields())
        .fetchArray(DEVICES.ID);
  }

  /** Puts {@code rows} (by id) in the order of {@code ids}, skipping ids without a row. */
  static <T> List<T> inOrder(List<String> ids, Map<String, T> rows) {
    List<T> ordered = new ArrayList<>(ids.size());
    for (String id : ids) {
      T row = rows.get(id);
      if (row != null) {
        ordered.add(row);
      }
    }
    return ordered;
  }
}
