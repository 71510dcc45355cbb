package dev.firmament.api;

import dev.firmament.api.error.ApiException;

/** Names people give things (subscriptions, integrations, cloud code and its functions). */
public final class Names {
  public static final int MAX_LENGTH = 100;

  private Names() {}

  /**
   * The name without surrounding blanks.
   *
   * @throws ApiException INVALID_ARGUMENT unless it is 1 to 100 characters without control
   *     characters
   */
  public static String check(String name) {
    String trimmed = name == null ? "" : name.strip();
    if (trimmed.isEmpty()
        || trimmed.length() > MAX_LENGTH
        || trimmed.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.invalid("name must be 1 to 100 characters without control characters");
    }
    return trimmed;
  }
}
