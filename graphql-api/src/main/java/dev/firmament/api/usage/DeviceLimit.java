package dev.firmament.api.usage;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.Map;

/**
 * The plan's device limit: an organization holding {@code held} devices may take {@code adding}
 * more only while the sum stays within the limit. A limit lowered below what the organization holds
 * refuses new devices and keeps the ones it has.
 */
public final class DeviceLimit {
  private DeviceLimit() {}

  /**
   * Refuses with {@code FAILED_PRECONDITION} (extensions {@code deviceLimit}, {@code devices}) when
   * {@code adding} devices would take the organization past {@code limit}; a null limit is none.
   */
  public static void check(Integer limit, long held, int adding) {
    if (limit == null || held + adding <= limit) {
      return;
    }
    throw new ApiException(
        ErrorCode.FAILED_PRECONDITION,
        "the organization's plan allows "
            + limit
            + " device(s) and it holds "
            + held
            + ": "
            + adding
            + " more would exceed it (remove devices or raise the plan's deviceLimit)",
        Map.of("deviceLimit", limit, "devices", held));
  }
}
