package dev.firmament.api;

import java.util.Locale;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** A case-insensitive name-prefix filter, its LIKE wildcards escaped. */
public final class NamePrefix {
  private NamePrefix() {}

  /**
   * {@code lower(field) LIKE 'prefix%'}, with {@code %}, {@code _} and {@code \} taken literally.
   */
  public static Condition of(Field<String> field, String prefix) {
    String escaped =
        prefix
            .toLowerCase(Locale.ROOT)
            .replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_");
    return DSL.lower(field).like(escaped + "%", '\\');
  }
}
