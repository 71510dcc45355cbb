package dev.firmament.api.rollout;

import dev.firmament.api.Ids;
import dev.firmament.api.error.ApiException;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Which rollouts of the organization to list ({@code FirmwareOTAJobFilter}). A list that is given
 * keeps the jobs matching one of its values (an empty list keeps none); null keeps every job.
 *
 * @param statuses {@link RolloutStatus} names
 * @param productIds products of the caller's organization; an id that names none matches nothing
 */
public record OtaJobFilter(List<String> statuses, List<String> productIds) {

  /** Checked statuses, or null for every status; unknown names are INVALID_ARGUMENT. */
  static Set<String> statuses(List<String> statuses) {
    if (statuses == null) {
      return null;
    }
    FilterValues.check("statuses", statuses);
    Set<String> checked = new TreeSet<>();
    for (String status : statuses) {
      if (Arrays.stream(RolloutStatus.values()).noneMatch(s -> s.name().equals(status))) {
        throw ApiException.invalid(
            "unknown rollout status '"
                + status
                + "': one of "
                + Arrays.toString(RolloutStatus.values()));
      }
      checked.add(status);
    }
    return checked;
  }

  /** The product ids that are uuids, or null for every product. */
  static Set<UUID> products(List<String> productIds) {
    if (productIds == null) {
      return null;
    }
    FilterValues.check("productIds", productIds);
    return productIds.stream()
        .map(Ids::parse)
        .flatMap(Optional::stream)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
