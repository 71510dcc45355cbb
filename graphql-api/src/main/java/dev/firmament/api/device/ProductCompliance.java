package dev.firmament.api.device;

import java.util.List;
import java.util.UUID;

/**
 * Where a product's devices stand against its newest firmware ({@code ProductCompliance}).
 *
 * @param versions the product's devices by reported version, the most common first
 * @param latestVersion the newest upload that was not invalidated; null when there is none
 * @param behindLatest devices not reporting {@code latestVersion}, those that never reported a
 *     version included; 0 without a latest version
 */
public record ProductCompliance(
    UUID productId,
    int totalDevices,
    List<VersionCount> versions,
    FirmwareVersion latestVersion,
    int behindLatest) {

  static ProductCompliance of(
      UUID productId, List<VersionCount> versions, FirmwareVersion latestVersion) {
    int total = versions.stream().mapToInt(VersionCount::count).sum();
    int current =
        latestVersion == null
            ? total
            : versions.stream()
                .filter(v -> latestVersion.version().equals(v.version()))
                .mapToInt(VersionCount::count)
                .sum();
    return new ProductCompliance(
        productId, total, List.copyOf(versions), latestVersion, total - current);
  }
}
