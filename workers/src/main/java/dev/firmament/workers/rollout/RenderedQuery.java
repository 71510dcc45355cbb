package dev.firmament.workers.rollout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.QueryPart;

/**
 * A statement built with jOOQ once, with named parameters, and rendered once: the hot per-device
 * statements of a rollout run as plain SQL with bind values, instead of building and rendering the
 * same query tree for every device (which was a quarter of a worker's CPU time).
 */
final class RenderedQuery {
  private static final Pattern NAMED = Pattern.compile(":([a-z_][a-z0-9_]*)");

  private final String sql;
  private final List<String> order;

  private RenderedQuery(String sql, List<String> order) {
    this.sql = sql;
    this.order = order;
  }

  /**
   * Renders {@code query}, whose bind values are all named parameters ({@code DSL.param(name,
   * type)}) or inlined constants.
   */
  static RenderedQuery of(DSLContext dsl, QueryPart query) {
    String named = dsl.renderNamedParams(query);
    List<String> order = new ArrayList<>();
    Matcher m = NAMED.matcher(named);
    while (m.find()) {
      order.add(m.group(1));
    }
    String indexed = dsl.render(query);
    long placeholders = indexed.chars().filter(c -> c == '?').count();
    if (placeholders != order.size()) {
      throw new IllegalStateException(
          "every bind value must be a named parameter: " + order + " in " + indexed);
    }
    return new RenderedQuery(indexed, List.copyOf(order));
  }

  String sql() {
    return sql;
  }

  /** The bind values in the statement's order, from the values by parameter name. */
  Object[] binds(Map<String, ?> values) {
    Object[] binds = new Object[order.size()];
    for (int i = 0; i < binds.length; i++) {
      String name = order.get(i);
      if (!values.containsKey(name)) {
        throw new IllegalArgumentException("no value for parameter " + name);
      }
      binds[i] = values.get(name);
    }
    return binds;
  }
}
