package dev.firmament.api.cloud;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.device.Device;
import dev.firmament.api.tenant.TenantResolver;
import java.util.List;
import java.util.Map;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.stereotype.Controller;

/**
 * What a device lets the cloud reach: {@code Device.functions} and {@code Device.variables}, as its
 * presence declared them, one query per page of devices for each.
 */
@Controller
public class CloudInterfaceController {
  private final CloudInterfaceRepository declared;
  private final TenantResolver tenants;

  public CloudInterfaceController(CloudInterfaceRepository declared, TenantResolver tenants) {
    this.declared = declared;
    this.tenants = tenants;
  }

  @BatchMapping(typeName = "Device", field = "functions")
  public Map<Device, List<DeviceFunction>> functions(List<Device> sources) {
    Map<String, List<DeviceFunction>> byDevice =
        declared.functions(tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> byDevice.getOrDefault(d.id(), List.of()));
  }

  @BatchMapping(typeName = "Device", field = "variables")
  public Map<Device, List<DeviceVariable>> variables(List<Device> sources) {
    Map<String, List<DeviceVariable>> byDevice =
        declared.variables(tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> byDevice.getOrDefault(d.id(), List.of()));
  }
}
