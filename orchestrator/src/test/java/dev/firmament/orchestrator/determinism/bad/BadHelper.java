package dev.firmament.orchestrator.determinism.bad;

import java.util.UUID;

/** Reached from the bad workflow: the check follows calls into helper classes. */
final class BadHelper {
  private BadHelper() {}

  static String id() {
    return UUID.randomUUID().toString();
  }
}
