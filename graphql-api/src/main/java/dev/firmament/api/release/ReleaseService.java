package dev.firmament.api.release;

import dev.firmament.api.Ids;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceGroup;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.firmware.Firmware;
import dev.firmament.api.firmware.FirmwareRepository;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductService;
import dev.firmament.api.tenant.TenantResolver;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Releases and locks: which build a product's devices (or one group's) are meant to run, and which
 * devices are pinned to a version whatever is released or rolled out. Every check runs before the
 * first write.
 */
@Service
public class ReleaseService {
  private final ReleaseRepository releases;
  private final FirmwareRepository firmware;
  private final DeviceRepository devices;
  private final ProductService products;
  private final TenantResolver tenants;
  private final TransactionTemplate transaction;

  public ReleaseService(
      ReleaseRepository releases,
      FirmwareRepository firmware,
      DeviceRepository devices,
      ProductService products,
      TenantResolver tenants,
      PlatformTransactionManager transactionManager) {
    this.releases = releases;
    this.firmware = firmware;
    this.devices = devices;
    this.products = products;
    this.tenants = tenants;
    this.transaction = new TransactionTemplate(transactionManager);
  }

  /** A release: the build, and the group it was released to (null for the whole product). */
  public record Release(Firmware firmware, DeviceGroup group) {}

  /**
   * Releases a build to its product, or to one of the product's groups. Refused: an unknown build
   * or group (NOT_FOUND), a group of another product (INVALID_ARGUMENT), an invalidated build
   * (FAILED_PRECONDITION).
   */
  @PreAuthorize("hasAuthority('SCOPE_firmware:write')")
  public Release release(String firmwareId, String deviceGroupId) {
    UUID organizationId = tenants.organizationId();
    Firmware build =
        Ids.parse(firmwareId)
            .flatMap(id -> firmware.findByIds(organizationId, List.of(id)).stream().findFirst())
            .orElseThrow(() -> ApiException.notFound("firmware", firmwareId));
    if (build.invalidatedAt() != null) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "firmware " + build.version() + " was invalidated and cannot be released");
    }
    DeviceGroup group = deviceGroupId == null ? null : group(organizationId, deviceGroupId);
    if (group != null && !group.productId().equals(build.productId())) {
      throw ApiException.invalid(
          "device group " + deviceGroupId + " belongs to another product than the firmware");
    }
    String actor = Callers.current().actor();
    transaction.executeWithoutResult(
        status ->
            releases.release(
                organizationId,
                build.productId(),
                group == null ? null : group.id(),
                build.id(),
                actor));
    return new Release(build, group);
  }

  /** Withdraws the product's release, or the group's; NOT_FOUND when there was none. */
  @PreAuthorize("hasAuthority('SCOPE_firmware:write')")
  public Product withdraw(String productId, String deviceGroupId) {
    UUID organizationId = tenants.organizationId();
    Product product = products.require(productId);
    DeviceGroup group = deviceGroupId == null ? null : group(organizationId, deviceGroupId);
    if (group != null && !group.productId().equals(product.id())) {
      throw ApiException.invalid("device group " + deviceGroupId + " belongs to another product");
    }
    if (!releases.withdraw(organizationId, product.id(), group == null ? null : group.id())) {
      throw new ApiException(
          ErrorCode.NOT_FOUND,
          group == null ? "the product has no release" : "the group has no release");
    }
    return product;
  }

  /**
   * Locks a device to a version of its product's firmware, or unlocks it (version null). Refused:
   * an unknown device or version (NOT_FOUND), an invalidated build (FAILED_PRECONDITION), a device
   * an unfinished rollout of its product targets (CONFLICT).
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Device lock(String deviceId, String version) {
    UUID organizationId = tenants.organizationId();
    Device device =
        devices
            .findById(organizationId, deviceId)
            .orElseThrow(() -> ApiException.notFound("device", deviceId));
    if (version != null) {
      Firmware build =
          firmware
              .findByVersion(organizationId, device.productId(), version)
              .orElseThrow(
                  () ->
                      new ApiException(
                          ErrorCode.NOT_FOUND,
                          "the device's product has no firmware version " + version));
      if (build.invalidatedAt() != null) {
        throw new ApiException(
            ErrorCode.FAILED_PRECONDITION,
            "firmware " + version + " was invalidated; a device cannot be locked to it");
      }
    }
    transaction.executeWithoutResult(
        status -> {
          Set<String> busy = devices.inUnfinishedRollouts(organizationId, List.of(deviceId));
          if (!busy.isEmpty()) {
            throw new ApiException(
                ErrorCode.CONFLICT,
                "device " + deviceId + " is targeted by an unfinished rollout of its product");
          }
          devices.lock(organizationId, deviceId, version);
        });
    return devices.findById(organizationId, deviceId).orElseThrow();
  }

  private DeviceGroup group(UUID organizationId, String deviceGroupId) {
    return Ids.parse(deviceGroupId)
        .flatMap(id -> devices.findGroup(organizationId, id))
        .orElseThrow(() -> ApiException.notFound("device group", deviceGroupId));
  }
}
