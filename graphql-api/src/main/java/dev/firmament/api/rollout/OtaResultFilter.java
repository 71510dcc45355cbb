package dev.firmament.api.rollout;

import dev.firmament.api.error.ApiException;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.util.Arrays;
import java.util.List;

/**
 * Which results of a job to answer ({@code OTAResultFilter}). Each list that is given keeps the
 * results matching one of its values (an empty list keeps none); the lists combine with AND.
 *
 * @param states {@link DeviceUpdateState} names
 * @param stages stage names of the job's plan; a result matches once a stage took its device
 * @param errorCodes the device's error codes
 * @param deviceIds device ids
 */
public record OtaResultFilter(
    List<String> states, List<String> stages, List<String> errorCodes, List<String> deviceIds) {
  static final OtaResultFilter NONE = new OtaResultFilter(null, null, null, null);

  /** The filter a request gave (null for none), refused with INVALID_ARGUMENT when malformed. */
  static OtaResultFilter checked(OtaResultFilter filter) {
    if (filter == null) {
      return NONE;
    }
    FilterValues.check("states", filter.states());
    FilterValues.check("stages", filter.stages());
    FilterValues.check("errorCodes", filter.errorCodes());
    FilterValues.check("deviceIds", filter.deviceIds());
    if (filter.states() != null) {
      for (String state : filter.states()) {
        if (DeviceUpdateState.parse(state) == null) {
          throw ApiException.invalid(
              "unknown result state '"
                  + state
                  + "': one of "
                  + Arrays.toString(DeviceUpdateState.values()));
        }
      }
    }
    return filter;
  }
}
