package dev.firmament.api.cloud;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.device.Device;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.dataloader.DataLoader;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

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
    loaders
        .<CallsKey, Page<DeviceCall>>forName(DEVICE_CALLS)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> load(keys, calls::pages)));
    loaders
        .<CallsKey, Page<ReconnectionEvent>>forName(DEVICE_CONNECTIONS)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> load(keys, calls::connectionPages)));
  }

  record CallsKey(UUID organizationId, String deviceId, int offset, int limit) {}

  /** The calls made to the device, the newest first. */
  @SchemaMapping(typeName = "Device", field = "calls")
  public CompletableFuture<Page<DeviceCall>> calls(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    Pagination.Window window = Pagination.fromSize(from, size);
    DataLoader<CallsKey, Page<DeviceCall>> loader = env.getDataLoader(DEVICE_CALLS);
    return loader.load(
        new CallsKey(tenants.organizationId(), device.id(), window.offset(), window.limit()));
  }

  /** The device's connections, the newest first (each after the first is a reconnection). */
  @SchemaMapping(typeName = "Device", field = "reconnections")
  public CompletableFuture<Page<ReconnectionEvent>> reconnections(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    Pagination.Window window = Pagination.fromSize(from, size);
    DataLoader<CallsKey, Page<ReconnectionEvent>> loader = env.getDataLoader(DEVICE_CONNECTIONS);
    return loader.load(
        new CallsKey(tenants.organizationId(), device.id(), window.offset(), window.limit()));
  }

  /** Pages of one window, for every device of the batch, by one query per distinct window. */
  interface DevicePages<T> {
    Map<String, Page<T>> pages(UUID organizationId, Set<String> deviceIds, int offset, int limit);
  }

  private static <T> Map<CallsKey, Page<T>> load(Set<CallsKey> keys, DevicePages<T> pages) {
    record Batch(UUID organizationId, int offset, int limit) {}
    Map<CallsKey, Page<T>> result = new HashMap<>();
    keys.stream()
        .collect(
            Collectors.groupingBy(
                k -> new Batch(k.organizationId(), k.offset(), k.limit()),
                Collectors.mapping(CallsKey::deviceId, Collectors.toSet())))
        .forEach(
            (batch, deviceIds) ->
                pages
                    .pages(batch.organizationId(), deviceIds, batch.offset(), batch.limit())
                    .forEach(
                        (deviceId, page) ->
                            result.put(
                                new CallsKey(
                                    batch.organizationId(),
                                    deviceId,
                                    batch.offset(),
                                    batch.limit()),
                                page)));
    return result;
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
