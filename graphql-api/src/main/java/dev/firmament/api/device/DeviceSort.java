package dev.firmament.api.device;

import static dev.firmament.sql.generated.Tables.DEVICES;

import dev.firmament.api.error.ApiException;
import java.util.List;
import org.jooq.SortField;

/**
 * The orders {@code login.devices(sort:)} accepts: {@code name}, {@code id} or {@code lastHeard},
 * descending with a leading {@code -}. The device id breaks ties so pages never overlap.
 */
final class DeviceSort {
  private DeviceSort() {}

  static List<SortField<?>> parse(String sort) {
    String value = sort == null || sort.isBlank() ? "name" : sort.strip();
    boolean descending = value.startsWith("-");
    String key = descending ? value.substring(1) : value;
    return switch (key) {
      case "name" ->
          List.of(
              descending ? DEVICES.NAME.desc() : DEVICES.NAME.asc(),
              descending ? DEVICES.ID.desc() : DEVICES.ID.asc());
      case "id" -> List.of(descending ? DEVICES.ID.desc() : DEVICES.ID.asc());
      case "lastHeard" ->
          List.of(
              descending
                  ? DEVICES.LAST_HEARD.desc().nullsLast()
                  : DEVICES.LAST_HEARD.asc().nullsLast(),
              descending ? DEVICES.ID.desc() : DEVICES.ID.asc());
      default ->
          throw ApiException.invalid(
              "sort must be one of name, id, lastHeard (prefix - for descending), got " + sort);
    };
  }
}
