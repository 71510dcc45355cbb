package dev.firmament.protocol;

/**
 * Server to device: stop working on {@code updateId}. A device that has not started installing
 * discards the partial download and reports {@code FAILED} with code {@code CANCELED}; once it
 * installs, a cancel is too late and is ignored.
 */
public record CancelUpdate(String updateId) implements Command {

  public CancelUpdate {
    Checks.requireUpdateId(updateId);
  }
}
