package dev.firmament.api;

import java.util.Collection;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * {@code field = any(?)} with one array parameter, for the id lists of batch loaders: {@code in (?,
 * ?, ...)} with a parameter per id is rendered, bound and planned anew for every page size, which
 * costs more than the lookup itself on pages of 100.
 */
public final class AnyOf {
  private AnyOf() {}

  public static Condition strings(Field<String> field, Collection<String> values) {
    return field.eq(DSL.any(values.toArray(String[]::new)));
  }

  public static Condition uuids(Field<java.util.UUID> field, Collection<java.util.UUID> values) {
    return field.eq(DSL.any(values.toArray(java.util.UUID[]::new)));
  }
}
