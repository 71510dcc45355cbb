package dev.firmament.api;

import java.util.Optional;
import java.util.UUID;

/** Public ids of uuid-keyed rows. A malformed id names nothing, so lookups treat it as absent. */
public final class Ids {
  private Ids() {}

  public static Optional<UUID> parse(String id) {
    if (id == null || id.length() != 36) {
      return Optional.empty();
    }
    try {
      return Optional.of(UUID.fromString(id));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
