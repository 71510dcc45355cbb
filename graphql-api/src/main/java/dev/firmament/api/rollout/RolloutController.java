package dev.firmament.api.rollout;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.device.DeviceGroup;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.firmware.Firmware;
import dev.firmament.api.firmware.FirmwareRepository;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductRepository;
import dev.firmament.api.tenant.Login;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import graphql.schema.DataFetchingEnvironment;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
 * Rollouts ({@code FirmwareOTAJob}): the queries and controls, and what a job is made of, read from
 * PostgreSQL only. Its per-device results are {@link OtaResultController}'s.
 */
@Controller
public class RolloutController {
  private static final String PRODUCT_JOBS = "productJobs";
  private static final String PROGRESS_HISTORY = "progressHistory";

  private final RolloutService service;
  private final RolloutRepository jobs;
  private final ProductRepository products;
  private final FirmwareRepository firmware;
  private final DeviceRepository devices;
  private final TenantResolver tenants;
  private final RolloutSnapshots snapshots;

  public RolloutController(
      RolloutService service,
      RolloutRepository jobs,
      ProductRepository products,
      FirmwareRepository firmware,
      DeviceRepository devices,
      TenantResolver tenants,
      RolloutSnapshots snapshots,
      BatchLoaderRegistry loaders) {
    this.snapshots = snapshots;
    this.service = service;
    this.jobs = jobs;
    this.products = products;
    this.firmware = firmware;
    this.devices = devices;
    this.tenants = tenants;
    loaders
        .<ProductJobsKey, List<OtaJob>>forName(PRODUCT_JOBS)
        .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> loadProductJobs(keys)));
    loaders
        .<ProgressHistoryKey, List<StageProgressHistory>>forName(PROGRESS_HISTORY)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> loadProgressHistories(keys)));
  }

  /**
   * One product's jobs with these statuses (null for all), as the request's organization sees them.
   */
  record ProductJobsKey(UUID organizationId, UUID productId, Set<String> statuses) {}

  /** One job's progress history in this many points, as the request's organization sees it. */
  record ProgressHistoryKey(UUID organizationId, UUID jobId, int points) {}

  public record CreateOTAJobPayload(OtaJob job) {}

  public record OTAJobControlInput(String jobId) {}

  public record CancelOTAJobInput(String jobId, Boolean rollback) {}

  public record OTAJobControlPayload(OtaJob job) {}

  public record InvalidateFirmwareInput(String firmwareId, String reason) {}

  public record InvalidateFirmwarePayload(Firmware firmware, List<OtaJob> abortedJobs) {}

  @QueryMapping
  public OtaJob firmwareOTAJob(@Argument String id) {
    return service.find(id).orElse(null);
  }

  /** The organization's rollouts across products, newest first. */
  @SchemaMapping(typeName = "Login", field = "firmwareOTAJobs")
  public Page<OtaJob> loginJobs(
      Login login, @Argument OtaJobFilter filter, @Argument Integer from, @Argument Integer size) {
    Window window = Pagination.fromSize(from, size);
    Set<String> statuses = filter == null ? null : OtaJobFilter.statuses(filter.statuses());
    Set<UUID> productIds = filter == null ? null : OtaJobFilter.products(filter.productIds());
    UUID organizationId = login.organization().id();
    int total = jobs.count(organizationId, statuses, productIds);
    List<OtaJob> items =
        jobs.page(organizationId, statuses, productIds, window.offset(), window.limit());
    return Page.of(window.offset(), total, items);
  }

  @MutationMapping
  public CreateOTAJobPayload createOTAJob(@Argument RolloutPlanInput.CreateOTAJob input) {
    return new CreateOTAJobPayload(service.create(input));
  }

  @MutationMapping
  public OTAJobControlPayload approveOTAJob(@Argument OTAJobControlInput input) {
    return control(input.jobId(), RolloutService.Control.APPROVE);
  }

  @MutationMapping
  public OTAJobControlPayload pauseOTAJob(@Argument OTAJobControlInput input) {
    return control(input.jobId(), RolloutService.Control.PAUSE);
  }

  @MutationMapping
  public OTAJobControlPayload resumeOTAJob(@Argument OTAJobControlInput input) {
    return control(input.jobId(), RolloutService.Control.RESUME);
  }

  @MutationMapping
  public OTAJobControlPayload promoteOTAJob(@Argument OTAJobControlInput input) {
    return control(input.jobId(), RolloutService.Control.PROMOTE);
  }

  @MutationMapping
  public OTAJobControlPayload retryFailedOTAJob(@Argument OTAJobControlInput input) {
    return control(input.jobId(), RolloutService.Control.RETRY_FAILED);
  }

  @MutationMapping
  public OTAJobControlPayload cancelOTAJob(@Argument CancelOTAJobInput input) {
    return control(
        input.jobId(),
        Boolean.TRUE.equals(input.rollback())
            ? RolloutService.Control.CANCEL_AND_ROLL_BACK
            : RolloutService.Control.CANCEL);
  }

  @MutationMapping
  public OTAJobControlPayload updateOTAJob(@Argument RolloutPlanInput.UpdateOTAJob input) {
    OtaJob job = service.update(input);
    return new OTAJobControlPayload(service.find(job.id().toString()).orElse(job));
  }

  @MutationMapping
  public OTAJobControlPayload rollbackOTAJob(@Argument RollbackOTAJobInput input) {
    return new OTAJobControlPayload(
        service.rollBack(input.jobId(), input.stages(), input.deviceIds(), input.rollbackStages()));
  }

  /** {@code OverrideOTADataCapInput}. */
  public record OverrideOTADataCapInput(String jobId, List<String> deviceIds) {}

  /** {@code OverrideOTADataCapPayload}. */
  public record OverrideOTADataCapPayload(OtaJob job, int released) {}

  @MutationMapping
  public OverrideOTADataCapPayload overrideOTADataCap(@Argument OverrideOTADataCapInput input) {
    OtaJob job =
        service
            .find(input.jobId())
            .orElseThrow(
                () -> dev.firmament.api.error.ApiException.notFound("rollout", input.jobId()));
    int released = service.overrideDataCap(job, input.deviceIds());
    return new OverrideOTADataCapPayload(job, released);
  }

  /** The rollout's cellular bytes per stage ({@link RolloutRepository#cellularBytes}). */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "cellularBytes")
  public Map<OtaJob, List<RolloutRepository.CellularBytes>> cellularBytes(List<OtaJob> sources) {
    Map<UUID, List<RolloutRepository.CellularBytes>> found =
        jobs.cellularBytes(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(sources, job -> found.get(job.id()));
  }

  /** The rollout's data policy ({@code createOTAJob}'s {@code dataPolicy}). */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "dataPolicy")
  public Map<OtaJob, RolloutPlanInput.DataPolicy> dataPolicy(List<OtaJob> sources) {
    Map<UUID, RolloutPlanInput.DataPolicy> policies =
        jobs.dataPolicies(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(sources, job -> policies.get(job.id()));
  }

  /** {@code RollbackOTAJobInput}. */
  public record RollbackOTAJobInput(
      String jobId,
      List<String> stages,
      List<String> deviceIds,
      List<RolloutPlanInput.Stage> rollbackStages) {}

  private OTAJobControlPayload control(String jobId, RolloutService.Control control) {
    OtaJob job = service.control(jobId, control);
    return new OTAJobControlPayload(service.find(job.id().toString()).orElse(job));
  }

  @MutationMapping
  public InvalidateFirmwarePayload invalidateFirmware(@Argument InvalidateFirmwareInput input) {
    RolloutService.Invalidation done =
        service.invalidateFirmware(input.firmwareId(), input.reason());
    Firmware invalidated =
        firmware.findByIds(tenants.organizationId(), Set.of(done.firmwareId())).stream()
            .findFirst()
            .orElseThrow(
                () ->
                    dev.firmament.api.error.ApiException.notFound("firmware", input.firmwareId()));
    return new InvalidateFirmwarePayload(invalidated, done.abortedJobs());
  }

  /**
   * The plan's stages, each as PostgreSQL last recorded it, or PENDING before it started; then the
   * rollback stages that ran; each with the approval that released it and the promotion that ended
   * its soak ({@link StageTimelines}).
   */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "stages")
  public Map<OtaJob, List<OtaStage>> stages(List<OtaJob> sources) {
    return snapshots.stages(tenants.organizationId(), sources);
  }

  /**
   * A product's rollouts, newest first. It takes an argument, so it goes through a data loader
   * keyed by product and statuses instead of a batch mapping.
   */
  @SchemaMapping(typeName = "Product", field = "firmwareOTAJobs")
  public CompletableFuture<List<OtaJob>> firmwareOTAJobs(
      Product product, @Argument List<String> statuses, DataFetchingEnvironment env) {
    DataLoader<ProductJobsKey, List<OtaJob>> loader = env.getDataLoader(PRODUCT_JOBS);
    return loader.load(
        new ProductJobsKey(
            tenants.organizationId(), product.id(), OtaJobFilter.statuses(statuses)));
  }

  /** What the rollout was created with, from the stored plan; see {@link OtaJobPlan#stored}. */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "plan")
  public Map<OtaJob, OtaJobPlan> plan(List<OtaJob> sources) {
    Map<UUID, String> plans =
        jobs.plans(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(sources, job -> OtaJobPlan.of(job, plans.get(job.id())));
  }

  /**
   * Why a rollout that ended before its plan ran out stopped; null while it runs and when it ran to
   * its end.
   */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "stopReason")
  public Map<OtaJob, String> stopReason(List<OtaJob> sources) {
    Map<UUID, String> details =
        jobs.statusDetails(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(
        sources,
        job -> {
          RolloutStatus status = RolloutStatus.valueOf(job.status());
          return status.isFinal() && status != RolloutStatus.SUCCEEDED
              ? details.get(job.id())
              : null;
        });
  }

  /**
   * Why a rollout its gate paused is paused (the health gate's numbers); null when it is not paused
   * and when an operator paused it.
   */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "pauseReason")
  public Map<OtaJob, String> pauseReason(List<OtaJob> sources) {
    List<UUID> paused =
        sources.stream()
            .filter(job -> RolloutStatus.PAUSED.name().equals(job.status()))
            .map(OtaJob::id)
            .toList();
    Map<UUID, String> details =
        paused.isEmpty() ? Map.of() : jobs.statusDetails(tenants.organizationId(), paused);
    return mapEach(sources, job -> details.get(job.id()));
  }

  /** Whether the rollout may take devices to an older build ({@code allowDowngrade}). */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "allowDowngrade")
  public Map<OtaJob, Boolean> allowDowngrade(List<OtaJob> sources) {
    Set<UUID> allowing =
        jobs.allowingDowngrade(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(sources, job -> allowing.contains(job.id()));
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

  @BatchMapping(typeName = "FirmwareOTAJob", field = "timeline")
  public Map<OtaJob, List<OtaJobEvent>> timeline(List<OtaJob> sources) {
    Map<UUID, List<OtaJobEvent>> byJob =
        jobs.timelines(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(sources, j -> byJob.getOrDefault(j.id(), List.of()));
  }

  /**
   * When a running rollout may finish ({@link RolloutEstimate}); null before its first device
   * finished, while it waits for an approval, and once it ended.
   */
  @BatchMapping(typeName = "FirmwareOTAJob", field = "estimatedFinishAt")
  public Map<OtaJob, OffsetDateTime> estimatedFinishAt(List<OtaJob> sources) {
    UUID organizationId = tenants.organizationId();
    List<UUID> ids = sources.stream().map(OtaJob::id).toList();
    Map<UUID, Map<String, Integer>> counts = jobs.countsByState(organizationId, ids);
    Map<UUID, List<OtaStage>> recorded = jobs.stages(organizationId, ids);
    Map<UUID, String> plans = jobs.plans(organizationId, ids);
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    Map<OtaJob, OffsetDateTime> result = new java.util.LinkedHashMap<>();
    for (OtaJob job : sources) {
      OffsetDateTime eta =
          RolloutEstimate.finish(
              job,
              counts.getOrDefault(job.id(), Map.of()),
              RolloutPlans.fromJson(plans.get(job.id())).orElse(null),
              recorded.getOrDefault(job.id(), List.of()),
              now);
      if (eta != null) {
        result.put(job, eta);
      }
    }
    return result;
  }

  @BatchMapping(typeName = "FirmwareOTAJob", field = "progress")
  public Map<OtaJob, JobProgress> progress(List<OtaJob> sources) {
    Map<UUID, Map<String, Integer>> counts =
        jobs.countsByState(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(
        sources, j -> JobProgress.of(j.totalDevices(), counts.getOrDefault(j.id(), Map.of())));
  }

  @BatchMapping(typeName = "FirmwareOTAJob", field = "progressByStage")
  public Map<OtaJob, List<StageProgress>> progressByStage(List<OtaJob> sources) {
    Map<UUID, List<StageProgress.Count>> counts =
        jobs.countsByStageAndState(
            tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(
        sources, j -> StageProgress.of(j.totalDevices(), counts.getOrDefault(j.id(), List.of())));
  }

  /**
   * Each recorded stage's finished devices over time, from the results' history. It takes an
   * argument, so it goes through a data loader keyed by job and points instead of a batch mapping.
   */
  @SchemaMapping(typeName = "FirmwareOTAJob", field = "progressHistory")
  public CompletableFuture<List<StageProgressHistory>> progressHistory(
      OtaJob job, @Argument Integer points, DataFetchingEnvironment env) {
    int checked = StageProgressHistory.points(points);
    DataLoader<ProgressHistoryKey, List<StageProgressHistory>> loader =
        env.getDataLoader(PROGRESS_HISTORY);
    return loader.load(new ProgressHistoryKey(tenants.organizationId(), job.id(), checked));
  }

  /** Keys that share an organization and a number of points share one query. */
  private Map<ProgressHistoryKey, List<StageProgressHistory>> loadProgressHistories(
      Set<ProgressHistoryKey> keys) {
    record Batch(UUID organizationId, int points) {}
    Map<Batch, Set<UUID>> batches =
        keys.stream()
            .collect(
                Collectors.groupingBy(
                    k -> new Batch(k.organizationId(), k.points()),
                    Collectors.mapping(ProgressHistoryKey::jobId, Collectors.toSet())));
    Map<ProgressHistoryKey, List<StageProgressHistory>> result = new HashMap<>();
    batches.forEach(
        (batch, jobIds) -> {
          Map<UUID, List<StageProgressHistory>> byJob =
              jobs.progressHistories(batch.organizationId(), jobIds, batch.points());
          for (UUID jobId : jobIds) {
            result.put(
                new ProgressHistoryKey(batch.organizationId(), jobId, batch.points()),
                byJob.getOrDefault(jobId, List.of()));
          }
        });
    return result;
  }

  /** Keys that share an organization and statuses share one query. */
  private Map<ProductJobsKey, List<OtaJob>> loadProductJobs(Set<ProductJobsKey> keys) {
    record Batch(UUID organizationId, Set<String> statuses) {}
    Map<Batch, Set<UUID>> batches =
        keys.stream()
            .collect(
                Collectors.groupingBy(
                    k -> new Batch(k.organizationId(), k.statuses()),
                    Collectors.mapping(ProductJobsKey::productId, Collectors.toSet())));
    Map<ProductJobsKey, List<OtaJob>> result = new HashMap<>();
    batches.forEach(
        (batch, productIds) -> {
          Map<UUID, List<OtaJob>> byProduct =
              jobs.ofProducts(batch.organizationId(), productIds, batch.statuses()).stream()
                  .collect(Collectors.groupingBy(OtaJob::productId));
          for (UUID productId : productIds) {
            result.put(
                new ProductJobsKey(batch.organizationId(), productId, batch.statuses()),
                byProduct.getOrDefault(productId, List.of()));
          }
        });
    return result;
  }
}
