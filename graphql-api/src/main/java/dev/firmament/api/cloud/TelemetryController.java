package dev.firmament.api.cloud;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceInfo;
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
 * What a device says about its health: {@code Device.vitals} and {@code DeviceInfo.vitals} (its
 * latest report, one query per page of devices), and {@code Device.vitalsHistory}, {@code
 * Device.logs} and {@code Device.diagnostics} (one query per page of devices and distinct window).
 */
@Controller
public class TelemetryController {
  private static final String VITALS = "deviceVitals";
  private static final String LOGS = "deviceLogs";
  private static final String DIAGNOSTICS = "deviceDiagnostics";
  private static final String BACKFILLS = "deviceBackfills";

  private final TelemetryRepository telemetry;
  private final TenantResolver tenants;

  public TelemetryController(
      TelemetryRepository telemetry, TenantResolver tenants, BatchLoaderRegistry loaders) {
    this.telemetry = telemetry;
    this.tenants = tenants;
    Paged.<String, DeviceVitals>register(
        loaders, VITALS, (org, ids, window, filter) -> telemetry.vitalsPages(org, ids, window));
    Paged.<String, DeviceLog>register(loaders, LOGS, telemetry::logPages);
    Paged.<String, BackfillEvent>register(
        loaders,
        BACKFILLS,
        (org, ids, window, filter) -> telemetry.backfillPages(org, ids, window));
    Paged.<String, DiagnosticEvent>register(
        loaders,
        DIAGNOSTICS,
        (org, ids, window, filter) -> telemetry.diagnosticPages(org, ids, window));
  }

  @BatchMapping(typeName = "Device", field = "vitals")
  public Map<Device, DeviceVitals> vitals(List<Device> sources) {
    Map<String, DeviceVitals> latest =
        telemetry.latest(tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> latest.get(d.id()));
  }

  @BatchMapping(typeName = "DeviceInfo", field = "vitals")
  public Map<DeviceInfo, DeviceVitals> infoVitals(List<DeviceInfo> sources) {
    Map<String, DeviceVitals> latest =
        telemetry.latest(
            tenants.organizationId(), sources.stream().map(DeviceInfo::deviceId).toList());
    return mapEach(sources, i -> latest.get(i.deviceId()));
  }

  @SchemaMapping(typeName = "Device", field = "vitalsHistory")
  public CompletableFuture<Page<DeviceVitals>> vitalsHistory(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    return page(env, VITALS, device, from, size, null);
  }

  @SchemaMapping(typeName = "Device", field = "logs")
  public CompletableFuture<Page<DeviceLog>> logs(
      Device device,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String minLevel,
      DataFetchingEnvironment env) {
    return page(env, LOGS, device, from, size, minLevel);
  }

  @SchemaMapping(typeName = "Device", field = "backfills")
  public CompletableFuture<Page<BackfillEvent>> backfills(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    return page(env, BACKFILLS, device, from, size, null);
  }

  @SchemaMapping(typeName = "Device", field = "diagnostics")
  public CompletableFuture<Page<DiagnosticEvent>> diagnostics(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    return page(env, DIAGNOSTICS, device, from, size, null);
  }

  private <T> CompletableFuture<Page<T>> page(
      DataFetchingEnvironment env,
      String loaderName,
      Device device,
      Integer from,
      Integer size,
      String filter) {
    return Paged.child(env, loaderName, tenants.organizationId(), device.id(), from, size, filter);
  }
}
