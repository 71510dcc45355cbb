package dev.firmament.api.release;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceGroup;
import dev.firmament.api.firmware.Firmware;
import dev.firmament.api.firmware.FirmwareRepository;
import dev.firmament.api.product.Product;
import dev.firmament.api.tenant.TenantResolver;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.stereotype.Controller;

/** Releases and locks ({@link ReleaseService}) and the fields that show them. */
@Controller
public class ReleaseController {
  private final ReleaseService service;
  private final ReleaseRepository releases;
  private final FirmwareRepository firmware;
  private final TenantResolver tenants;

  public ReleaseController(
      ReleaseService service,
      ReleaseRepository releases,
      FirmwareRepository firmware,
      TenantResolver tenants) {
    this.service = service;
    this.releases = releases;
    this.firmware = firmware;
    this.tenants = tenants;
  }

  public record ReleaseFirmwareInput(String firmwareId, String deviceGroupId) {}

  public record ReleaseFirmwarePayload(Firmware firmware, DeviceGroup deviceGroup) {}

  public record WithdrawFirmwareReleaseInput(String productId, String deviceGroupId) {}

  public record WithdrawFirmwareReleasePayload(Product product) {}

  public record LockDeviceFirmwareInput(String deviceId, String version) {}

  public record LockDeviceFirmwarePayload(Device device) {}

  @MutationMapping
  public ReleaseFirmwarePayload releaseFirmware(@Argument ReleaseFirmwareInput input) {
    ReleaseService.Release release = service.release(input.firmwareId(), input.deviceGroupId());
    return new ReleaseFirmwarePayload(release.firmware(), release.group());
  }

  @MutationMapping
  public WithdrawFirmwareReleasePayload withdrawFirmwareRelease(
      @Argument WithdrawFirmwareReleaseInput input) {
    return new WithdrawFirmwareReleasePayload(
        service.withdraw(input.productId(), input.deviceGroupId()));
  }

  @MutationMapping
  public LockDeviceFirmwarePayload lockDeviceFirmware(@Argument LockDeviceFirmwareInput input) {
    return new LockDeviceFirmwarePayload(service.lock(input.deviceId(), input.version()));
  }

  @BatchMapping(typeName = "Product", field = "releasedFirmware")
  public Map<Product, Firmware> productRelease(List<Product> sources) {
    UUID organizationId = tenants.organizationId();
    Map<UUID, UUID> released =
        releases.ofProducts(organizationId, sources.stream().map(Product::id).toList());
    Map<UUID, Firmware> builds = builds(organizationId, released.values());
    return mapEach(
        sources, p -> released.containsKey(p.id()) ? builds.get(released.get(p.id())) : null);
  }

  @BatchMapping(typeName = "DeviceGroup", field = "releasedFirmware")
  public Map<DeviceGroup, Firmware> groupRelease(List<DeviceGroup> sources) {
    UUID organizationId = tenants.organizationId();
    Map<UUID, UUID> released =
        releases.ofGroups(organizationId, sources.stream().map(DeviceGroup::id).toList());
    Map<UUID, Firmware> builds = builds(organizationId, released.values());
    return mapEach(
        sources, g -> released.containsKey(g.id()) ? builds.get(released.get(g.id())) : null);
  }

  @BatchMapping(typeName = "Device", field = "targetFirmwareVersion")
  public Map<Device, String> targetFirmwareVersion(List<Device> sources) {
    Map<String, String> targets =
        releases.targetVersions(
            tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> targets.get(d.id()));
  }

  private Map<UUID, Firmware> builds(UUID organizationId, java.util.Collection<UUID> ids) {
    Set<UUID> unique = new HashSet<>(ids);
    unique.remove(null);
    return unique.isEmpty()
        ? new java.util.HashMap<>()
        : index(firmware.findByIds(organizationId, unique), Firmware::id);
  }
}
