package dev.firmament.orchestrator.rollout;

import java.util.List;

/**
 * One page of a stage's devices, in assignment order.
 *
 * @param deviceIds the ids on this page
 * @param lastPosition the position of the last id (the cursor for the next page), or the cursor
 *     given when the page is empty
 * @param attempts the stored attempt of each device's result, in the order of {@code deviceIds}
 *     (above 1 for a device an operator requeued); null in pages recorded before attempts were
 *     listed, which count as first attempts
 */
public record StagePage(List<String> deviceIds, long lastPosition, List<Integer> attempts) {
  public StagePage {
    deviceIds = List.copyOf(deviceIds);
    attempts = attempts == null ? null : List.copyOf(attempts);
    if (attempts != null && attempts.size() != deviceIds.size()) {
      throw new IllegalArgumentException("one attempt per device id");
    }
  }

  /** The attempt the device at {@code index} starts with: its stored attempt, at least 1. */
  public int attemptOf(int index) {
    return attempts == null ? 1 : Math.max(1, attempts.get(index));
  }
}
