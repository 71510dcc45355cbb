package dev.firmament.api.usage;

import java.time.OffsetDateTime;

/**
 * An organization's plan, the seed's {@code Subscription}: how many devices it may hold and how
 * many data operations a month it is allowed. Null limits mean none. {@code updatedBy} and {@code
 * updatedAt} are null for the default plan (the organization has none of its own).
 */
public record Plan(
    String name,
    Integer deviceLimit,
    Long dataOperationsAllowance,
    String updatedBy,
    OffsetDateTime updatedAt) {

  /** The plan of an organization without one: no limits (docs/connectivity.md, "Plans"). */
  public static final Plan DEFAULT = new Plan("default", null, null, null, null);

  public boolean isDefault() {
    return updatedAt == null;
  }
}
