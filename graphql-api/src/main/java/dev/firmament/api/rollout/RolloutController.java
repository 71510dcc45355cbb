package dev.firmament.api.rollout;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceGroup;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.firmware.Firmware;
import dev.firmament.api.firmware.FirmwareRepository;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductRepository;
import dev.firmament.api.rollout.RolloutRepository.ResultKey;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.dataloader.DataLoader;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

/**
 * Rollouts ({@code FirmwareOTAJob}) and their per-device results, read from PostgreSQL only. {@code
 * FirmwareOTAJob.results} takes page arguments, so it goes through a data loader keyed by job and
 * page instead of a batch mapping.
 */
@Controller
public class RolloutController {
  private static final String JOB_RESULTS = "jobResults";

  private final RolloutService service;
  private final RolloutRepository jobs;
  private final ProductRepository products;
  private final FirmwareRepository firmware;
  private final DeviceRepository devices;
  private final TenantResolver tenants;

  public RolloutController(
      RolloutService service,
      RolloutRepository jobs,
      ProductRepository products,
      FirmwareRepository firmware,
      DeviceRepository devices,
      TenantResolver tenants,
      BatchLoaderRegistry loaders) {
    this.service = service;
    this.jobs = jobs;
    this.products = products;
    this.firmware = firmware;
    this.devices = devices;
    this.tenants = tenants;
    loaders
        .<ResultsKey, List<OtaResult>>forName(JOB_RESULTS)
        .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> loadResults(keys)));
  }

  /** One page of one job's results, with the organization the request resolved. */
  record ResultsKey(UUID organizationId, UUID jobId, int offset, int limit) {}

  public record CreateOTAJobInput(
      String productId, String targetVersion, String deviceGroupId, Integer maxInFlight) {}

  public record CreateOTAJobPayload(OtaJob job) {}

  @QueryMapping
  public OtaJob firmwareOTAJob(@Argument String id) {
    return service.find(id).orElse(null);
  }

  @MutationMapping
  public CreateOTAJobPayload createOTAJob(@Argument CreateOTAJobInput input) {
    return new CreateOTAJobPayload(
        service.create(
            input.productId(), input.targetVersion(), input.deviceGroupId(), input.maxInFlight()));
  }

  @BatchMapping(typeName = "Product", field = "firmwareOTAJobs")
  public Map<Product, List<OtaJob>> firmwareOTAJobs(List<Product> sources) {
    Map<UUID, List<OtaJob>> byProduct =
        jobs
            .ofProducts(tenants.organizationId(), sources.stream().map(Product::id).toList())
            .stream()
            .collect(Collectors.groupingBy(OtaJob::productId));
    return mapEach(sources, p -> byProduct.getOrDefault(p.id(), List.of()));
  }

  @BatchMapping(typeName = "FirmwareOTAJob", field = "product")
  public Map<OtaJob, Product> jobProduct(List<OtaJob> sources) {
    Map<UUID, Product> byId =
        index(
            products.findByIds(
                tenants.organizationId(),
                sources.stream().map(OtaJob::productId).collect(Collectors.toSet())),
            Product::id);
    return mapEach(sources, j -> byId.get(j.productId()));
  }

  @BatchMapping(typeName = "FirmwareOTAJob", field = "firmware")
  public Map<OtaJob, Firmware> jobFirmware(List<OtaJob> sources) {
    Map<UUID, Firmware> byId =
        index(
            firmware.findByIds(
                tenants.organizationId(),
                sources.stream().map(OtaJob::firmwareId).collect(Collectors.toSet())),
            Firmware::id);
    return mapEach(sources, j -> byId.get(j.firmwareId()));
  }

  @BatchMapping(typeName = "FirmwareOTAJob", field = "deviceGroup")
  public Map<OtaJob, DeviceGroup> jobDeviceGroup(List<OtaJob> sources) {
    Set<UUID> groupIds =
        sources.stream()
            .map(OtaJob::deviceGroupId)
            .filter(Objects::nonNull)
            .collect(Collectors.toSet());
    Map<UUID, DeviceGroup> byId =
        groupIds.isEmpty()
            ? Map.of()
            : index(devices.findGroups(tenants.organizationId(), groupIds), DeviceGroup::id);
    return mapEach(sources, j -> j.deviceGroupId() == null ? null : byId.get(j.deviceGroupId()));
  }

  @BatchMapping(typeName = "FirmwareOTAJob", field = "progress")
  public Map<OtaJob, JobProgress> progress(List<OtaJob> sources) {
    Map<UUID, Map<String, Integer>> counts =
        jobs.countsByState(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(
        sources, j -> JobProgress.of(j.totalDevices(), counts.getOrDefault(j.id(), Map.of())));
  }

  @SchemaMapping(typeName = "FirmwareOTAJob", field = "results")
  public CompletableFuture<List<OtaResult>> results(
      OtaJob job, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    Window window = Pagination.fromSize(from, size);
    DataLoader<ResultsKey, List<OtaResult>> loader = env.getDataLoader(JOB_RESULTS);
    return loader.load(
        new ResultsKey(tenants.organizationId(), job.id(), window.offset(), window.limit()));
  }

  @BatchMapping(typeName = "OTAResult", field = "device")
  public Map<OtaResult, Device> resultDevice(List<OtaResult> sources) {
    Map<String, Device> byId =
        index(
            devices.findByIds(
                tenants.organizationId(),
                sources.stream().map(OtaResult::deviceId).collect(Collectors.toSet())),
            Device::id);
    return mapEach(sources, r -> byId.get(r.deviceId()));
  }

  @BatchMapping(typeName = "OTAResult", field = "history")
  public Map<OtaResult, List<OtaResultTransition>> history(List<OtaResult> sources) {
    Map<ResultKey, List<OtaResultTransition>> byKey =
        jobs.history(
            tenants.organizationId(),
            sources.stream().map(r -> new ResultKey(r.jobId(), r.deviceId())).toList());
    return mapEach(
        sources, r -> byKey.getOrDefault(new ResultKey(r.jobId(), r.deviceId()), List.of()));
  }

  private Map<ResultsKey, List<OtaResult>> loadResults(Set<ResultsKey> keys) {
    record Batch(UUID organizationId, int offset, int limit) {}
    Map<Batch, Set<UUID>> batches =
        keys.stream()
            .collect(
                Collectors.groupingBy(
                    k -> new Batch(k.organizationId(), k.offset(), k.limit()),
                    Collectors.mapping(ResultsKey::jobId, Collectors.toSet())));
    Map<ResultsKey, List<OtaResult>> result = new HashMap<>();
    batches.forEach(
        (batch, jobIds) ->
            jobs.resultPages(batch.organizationId(), jobIds, batch.offset(), batch.limit())
                .forEach(
                    (jobId, page) ->
                        result.put(
                            new ResultsKey(
                                batch.organizationId(), jobId, batch.offset(), batch.limit()),
                            page)));
    return result;
  }
}
