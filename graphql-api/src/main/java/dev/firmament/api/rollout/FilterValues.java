package dev.firmament.api.rollout;

import dev.firmament.api.error.ApiException;
import java.util.List;

/** The limit on the lists of a filter argument, so that a filter stays a reasonable query. */
final class FilterValues {
  static final int MAX_VALUES = 1000;

  private FilterValues() {}

  /** Refuses a list longer than {@value #MAX_VALUES} with INVALID_ARGUMENT; null passes. */
  static void check(String name, List<String> values) {
    if (values != null && values.size() > MAX_VALUES) {
      throw ApiException.invalid(
          name + " holds at most " + MAX_VALUES + " values, got " + values.size());
    }
  }
}
