package dev.firmament.orchestrator.rollout;

import java.util.List;

/**
 * One page of a stage's devices, in assignment order.
 *
 * @param deviceIds the ids on this page
 * @param lastPosition the position of the last id (the cursor for the next page), or the cursor
 *     given when the page is empty
 */
public record StagePage(List<String> deviceIds, long lastPosition) {
  public StagePage {
    deviceIds = List.copyOf(deviceIds);
  }
}
