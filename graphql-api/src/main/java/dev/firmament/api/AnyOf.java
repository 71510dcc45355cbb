package dev.firmament.api;

import java.util.Collection;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * {@code field = any(?)} with one array parameter, for the id lists of batch loaders: {@code in (?,
 * ?, ...)} with a parameter per id is rendered, bound and planned anew for every page size, which
 * costs more than the lookup itself on pages of 100.
 */
public final class AnyOf {
  // The array types, made once: jOOQ derives an array's type anew for each value otherwise.
  private static final DataType<String[]> STRINGS = SQLDataType.VARCHAR.getArrayDataType();
  private static final DataType<UUID[]> UUIDS = SQLDataType.UUID.getArrayDataType();

  private AnyOf() {}

  public static Condition strings(Field<String> field, Collection<String> values) {
    return field.eq(DSL.any(DSL.val(values.toArray(String[]::new), STRINGS)));
  }

  public static Condition uuids(Field<UUID> field, Collection<UUID> values) {
    return field.eq(DSL.any(DSL.val(values.toArray(UUID[]::new), UUIDS)));
  }
}
