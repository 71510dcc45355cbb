package dev.firmament.orchestrator.rollout;

import java.util.List;

/**
 * One page of a rollout's target device ids, in id order.
 *
 * @param deviceIds the ids on this page
 * @param nextCursor the last id of this page when more may follow, else null
 */
public record TargetPage(List<String> deviceIds, String nextCursor) {
  public TargetPage {
    deviceIds = List.copyOf(deviceIds);
  }
}
