package dev.firmament.api.cloud;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.device.Device;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;

/**
 * What a device lets the cloud reach: {@code Device.functions} and {@code Device.variables}, as its
 * presence declared them, one query per page of devices for each; and {@code Device.calls}, the
 * calls made to it, one query per page of devices and distinct window.
 */
@Controller
public class CloudInterfaceController {
  private static final String DEVICE_CALLS = "deviceCalls";
  private static final String DEVICE_CONNECTIONS = "deviceConnections";

  private final CloudInterfaceRepository declared;
  private final DeviceCallRepository calls;
  private final TenantResolver tenants;

  public CloudInterfaceController(
      CloudInterfaceRepository declared,
      DeviceCallRepository calls,
      TenantResolver tenants,
      BatchLoaderRegistry loaders) {
    this.declared = declared;
    this.calls = calls;
    this.tenants = tenants;
    Paged.<String, DeviceCall>register(
        loaders, DEVICE_CALLS, (org, ids, window, filter) -> calls.pages(org, ids, window));
    Paged.<String, ReconnectionEvent>register(
        loaders,
        DEVICE_CONNECTIONS,
        (org, ids, window, filter) -> calls.connectionPages(org, ids, window));
  }

  /** The calls made to the device, the newest first. */
  @SchemaMapping(typeName = "Device", field = "calls")
  public CompletableFuture<Page<DeviceCall>> calls(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    return Paged.child(env, DEVICE_CALLS, tenants.organizationId(), device.id(), from, size, null);
  }

  /** The device's connections, the newest first (each after the first is a reconnection). */
  @SchemaMapping(typeName = "Device", field = "reconnections")
  public CompletableFuture<Page<ReconnectionEvent>> reconnections(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    return Paged.child(
        env, DEVICE_CONNECTIONS, tenants.organizationId(), device.id(), from, size, null);
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
