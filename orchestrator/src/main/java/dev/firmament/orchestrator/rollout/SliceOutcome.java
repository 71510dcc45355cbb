package dev.firmament.orchestrator.rollout;

import java.util.List;

/**
 * How a {@link DeliverySlice} ended. The activity returns at once with every device's report when
 * it offered none of them (all ended already, were skipped, or wait offline); otherwise it reports
 * those devices by {@link StageWorkflow#deviceReports}, stays open while the offered devices work
 * (their worker heartbeats it), and is completed with no reports once every offered device's final
 * report went to the stage the same way.
 *
 * @param reports the devices that ended or wait, when the activity returns at once; else empty
 */
public record SliceOutcome(List<DeviceReport> reports) {

  public SliceOutcome {
    reports = reports == null ? List.of() : List.copyOf(reports);
  }
}
