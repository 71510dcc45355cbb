package dev.firmament.api.sim;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.tenant.Login;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.api.usage.SimDataUsage;
import dev.firmament.api.usage.Usage;
import dev.firmament.api.usage.UsagePeriod;
import graphql.schema.DataFetchingEnvironment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

/**
 * SIM cards: {@code login.sims}, {@code sim}, {@code Device.sim}, a SIM's usage ({@code SIM.usage},
 * {@code SIM.dataUsage}) and their mutations.
 */
@Controller
public class SimController {
  private static final String ACTIVATIONS = "simActivations";
  private static final String USAGE = "simUsage";
  private static final String HISTORY = "simUsageHistory";

  private final Sims sims;
  private final DeviceRepository devices;
  private final TenantResolver tenants;
  private final Usage usage;

  public SimController(
      Sims sims,
      DeviceRepository devices,
      TenantResolver tenants,
      Usage usage,
      BatchLoaderRegistry loaders) {
    Paged.register(loaders, ACTIVATIONS, sims::activationPages);
    loaders
        .<UsageKey, SimDataUsage>forName(USAGE)
        .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> loadUsage(usage, keys)));
    Paged.register(loaders, HISTORY, usage::simHistories);
    this.usage = usage;
    this.sims = sims;
    this.devices = devices;
    this.tenants = tenants;
  }

  @SchemaMapping(typeName = "Login", field = "sims")
  public Page<Sim> sims(
      Login login,
      @Argument Sim.Filter filter,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return sims.page(login.organization().id(), filter, Pagination.fromSize(from, size), sort);
  }

  @QueryMapping
  public Sim sim(@Argument String id, @Argument String iccid) {
    return sims.lookup(tenants.organizationId(), id, iccid);
  }

  @BatchMapping(typeName = "Device", field = "sim")
  public Map<Device, Sim> deviceSim(List<Device> sources) {
    Map<String, Sim> held =
        sims.ofDevices(tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> held.get(d.id()));
  }

  @BatchMapping(typeName = "SIM", field = "device")
  public Map<Sim, Device> simDevice(List<Sim> sources) {
    Map<String, Device> byId =
        index(
            devices.findByIds(
                tenants.organizationId(),
                sources.stream().map(Sim::deviceId).filter(Objects::nonNull).distinct().toList()),
            Device::id);
    return mapEach(sources, s -> s.deviceId() == null ? null : byId.get(s.deviceId()));
  }

  /** A page of each SIM's activations, one statement for a whole list of SIMs. */
  @SchemaMapping(typeName = "SIM", field = "activations")
  public CompletableFuture<Page<Sim.Activation>> activations(
      Sim sim, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    return Paged.child(
        env, ACTIVATIONS, tenants.organizationId(), UUID.fromString(sim.id()), from, size, null);
  }

  /** A SIM's usage in a period: one statement for a whole list of SIMs and one period. */
  @SchemaMapping(typeName = "SIM", field = "usage")
  public CompletableFuture<SimDataUsage> usage(
      Sim sim, @Argument String period, DataFetchingEnvironment env) {
    UsageKey key =
        new UsageKey(
            tenants.organizationId(), UUID.fromString(sim.id()), usage.checkedPeriod(period));
    return env.<UsageKey, SimDataUsage>getDataLoader(USAGE).load(key);
  }

  /** What the usage loader is asked for: one SIM in one period. */
  record UsageKey(UUID organizationId, UUID simId, UsagePeriod period) {}

  private static Map<UsageKey, SimDataUsage> loadUsage(Usage usage, Set<UsageKey> keys) {
    Map<UsageKey, SimDataUsage> result = new HashMap<>();
    keys.stream()
        .collect(Collectors.groupingBy(k -> new UsageKey(k.organizationId(), null, k.period())))
        .forEach(
            (shared, group) -> {
              Map<UUID, SimDataUsage> bySim =
                  usage.ofSims(
                      shared.organizationId(),
                      group.stream().map(UsageKey::simId).toList(),
                      shared.period());
              group.forEach(k -> result.put(k, bySim.get(k.simId())));
            });
    return result;
  }

  /** A SIM's usage per day or month: one statement for a whole list of SIMs per granularity. */
  @SchemaMapping(typeName = "SIM", field = "dataUsage")
  public CompletableFuture<Page<SimDataUsage>> dataUsage(
      Sim sim,
      @Argument Usage.Granularity granularity,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort,
      DataFetchingEnvironment env) {
    usage.checkHistory(sort);
    Usage.SimHistory history =
        new Usage.SimHistory(
            UUID.fromString(sim.id()), granularity == null ? Usage.Granularity.DAY : granularity);
    return Paged.child(env, HISTORY, tenants.organizationId(), history, from, size, sort);
  }

  public record CreateSIMInput(
      String iccid,
      String imsi,
      String carrier,
      Long monthlyCapBytes,
      String overagePolicy,
      String deviceId) {}

  public record UpdateSIMInput(
      String id, String imsi, String carrier, Long monthlyCapBytes, String overagePolicy) {}

  public record SIMInput(String id) {}

  public record AssignSIMInput(String id, String deviceId) {}

  public record SIMStatusInput(String id, String reason) {}

  public record ImportSIMsInput(String csv) {}

  public record SIMPayload(Sim sim) {}

  public record DeleteSIMPayload(String deletedId) {}

  public record ImportSIMsPayload(int imported) {}

  @MutationMapping
  public SIMPayload createSIM(@Argument CreateSIMInput input) {
    return new SIMPayload(
        sims.create(
            input.iccid(),
            input.imsi(),
            input.carrier(),
            input.monthlyCapBytes(),
            input.overagePolicy(),
            input.deviceId()));
  }

  @MutationMapping
  public SIMPayload updateSIM(@Argument UpdateSIMInput input) {
    return new SIMPayload(
        sims.update(
            input.id(),
            input.imsi(),
            input.carrier(),
            input.monthlyCapBytes(),
            input.overagePolicy()));
  }

  @MutationMapping
  public DeleteSIMPayload deleteSIM(@Argument SIMInput input) {
    return new DeleteSIMPayload(sims.delete(input.id()));
  }

  @MutationMapping
  public SIMPayload assignSIM(@Argument AssignSIMInput input) {
    return new SIMPayload(sims.assign(input.id(), input.deviceId()));
  }

  @MutationMapping
  public SIMPayload unassignSIM(@Argument SIMInput input) {
    return new SIMPayload(sims.unassign(input.id()));
  }

  @MutationMapping
  public SIMPayload activateSIM(@Argument SIMStatusInput input) {
    return new SIMPayload(sims.activate(input.id(), input.reason()));
  }

  @MutationMapping
  public SIMPayload deactivateSIM(@Argument SIMStatusInput input) {
    return new SIMPayload(sims.deactivate(input.id(), input.reason()));
  }

  @MutationMapping
  public ImportSIMsPayload importSIMs(@Argument ImportSIMsInput input) {
    return new ImportSIMsPayload(sims.importCsv(input.csv()));
  }
}
