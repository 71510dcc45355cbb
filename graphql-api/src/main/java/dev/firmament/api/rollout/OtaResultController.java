package dev.firmament.api.rollout;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.rollout.RolloutRepository.ResultKey;
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
 * The per-device results of rollouts ({@code OTAResult}): a job's results as a list or a page, its
 * failures counted, and a device's updates across rollouts. Fields with page arguments go through
 * data loaders keyed by parent and window, so that the parents of one request share one query per
 * window; fields without arguments are batch mappings.
 */
@Controller
public class OtaResultController {
  private static final String JOB_RESULTS = "jobResults";
  private static final String DEVICE_UPDATES = "deviceUpdates";

  private final RolloutRepository jobs;
  private final DeviceRepository devices;
  private final TenantResolver tenants;

  public OtaResultController(
      RolloutRepository jobs,
      DeviceRepository devices,
      TenantResolver tenants,
      BatchLoaderRegistry loaders) {
    this.jobs = jobs;
    this.devices = devices;
    this.tenants = tenants;
    loaders
        .<ResultsKey, ResultWindow>forName(JOB_RESULTS)
        .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> loadResults(keys)));
    loaders
        .<UpdatesKey, Page<OtaResult>>forName(DEVICE_UPDATES)
        .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> loadUpdates(keys)));
  }

  /**
   * One window of one job's results: {@code limit} of them from {@code offset}, or with a null
   * {@code limit} all of them from {@code offset}, which is answered only up to the page cap. The
   * total is counted when asked for, and for a null limit when there are more than the cap.
   */
  record ResultsKey(
      UUID organizationId,
      UUID jobId,
      OtaResultFilter filter,
      OtaResultSort sort,
      int offset,
      Integer limit,
      boolean counted) {}

  /**
   * What a {@link ResultsKey} answers: {@code total} when counted, and {@code items} null (with the
   * {@code total}) when the key asked for every result and there are more than one page may hold.
   */
  record ResultWindow(Integer total, List<OtaResult> items) {}

  /** One page of one device's results, with the organization the request resolved. */
  record UpdatesKey(UUID organizationId, String deviceId, int offset, int limit) {}

  /**
   * Without {@code size}, every result from {@code from} on, and a typed refusal when they are more
   * than one page may hold rather than a silent first page; with {@code size}, that page.
   */
  @SchemaMapping(typeName = "FirmwareOTAJob", field = "results")
  public CompletableFuture<List<OtaResult>> results(
      OtaJob job,
      @Argument Integer from,
      @Argument Integer size,
      @Argument OtaResultFilter filter,
      DataFetchingEnvironment env) {
    OtaResultFilter checked = OtaResultFilter.checked(filter);
    DataLoader<ResultsKey, ResultWindow> loader = env.getDataLoader(JOB_RESULTS);
    if (size == null) {
      int offset = Pagination.offset(from);
      return loader
          .load(
              new ResultsKey(
                  tenants.organizationId(),
                  job.id(),
                  checked,
                  OtaResultSort.DEVICE_ID,
                  offset,
                  null,
                  false))
          .thenApply(
              window -> {
                if (window.items() == null) {
                  throw tooManyResults(job, window.total(), offset);
                }
                return window.items();
              });
    }
    Window window = Pagination.fromSize(from, size);
    return loader
        .load(
            new ResultsKey(
                tenants.organizationId(),
                job.id(),
                checked,
                OtaResultSort.DEVICE_ID,
                window.offset(),
                window.limit(),
                false))
        .thenApply(ResultWindow::items);
  }

  @SchemaMapping(typeName = "FirmwareOTAJob", field = "resultPage")
  public CompletableFuture<Page<OtaResult>> resultPage(
      OtaJob job,
      @Argument OtaResultFilter filter,
      @Argument Integer from,
      @Argument Integer size,
      @Argument OtaResultSort sort,
      DataFetchingEnvironment env) {
    OtaResultFilter checked = OtaResultFilter.checked(filter);
    Window window = Pagination.fromSize(from, size);
    DataLoader<ResultsKey, ResultWindow> loader = env.getDataLoader(JOB_RESULTS);
    return loader
        .load(
            new ResultsKey(
                tenants.organizationId(),
                job.id(),
                checked,
                sort == null ? OtaResultSort.DEVICE_ID : sort,
                window.offset(),
                window.limit(),
                true))
        .thenApply(w -> Page.of(window.offset(), w.total(), w.items()));
  }

  @BatchMapping(typeName = "FirmwareOTAJob", field = "failureBreakdown")
  public Map<OtaJob, OtaFailureBreakdown> failureBreakdown(List<OtaJob> sources) {
    Map<UUID, OtaFailureBreakdown> byJob =
        jobs.failureBreakdowns(tenants.organizationId(), sources.stream().map(OtaJob::id).toList());
    return mapEach(sources, j -> byJob.getOrDefault(j.id(), OtaFailureBreakdown.NONE));
  }

  /** Every rollout the device took part in, the newest first. */
  @SchemaMapping(typeName = "Device", field = "updates")
  public CompletableFuture<Page<OtaResult>> updates(
      Device device, @Argument Integer from, @Argument Integer size, DataFetchingEnvironment env) {
    Window window = Pagination.fromSize(from, size);
    DataLoader<UpdatesKey, Page<OtaResult>> loader = env.getDataLoader(DEVICE_UPDATES);
    return loader.load(
        new UpdatesKey(tenants.organizationId(), device.id(), window.offset(), window.limit()));
  }

  @BatchMapping(typeName = "OTAResult", field = "job")
  public Map<OtaResult, OtaJob> resultJob(List<OtaResult> sources) {
    Map<UUID, OtaJob> byId =
        index(
            jobs.findByIds(
                tenants.organizationId(),
                sources.stream().map(OtaResult::jobId).collect(Collectors.toSet())),
            OtaJob::id);
    return mapEach(sources, r -> byId.get(r.jobId()));
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

  @BatchMapping(typeName = "OTAResult", field = "rollback")
  public Map<OtaResult, OtaRollback> rollback(List<OtaResult> sources) {
    Map<ResultKey, OtaRollback> byKey = rollbacks(sources);
    return mapEach(sources, r -> byKey.get(new ResultKey(r.jobId(), r.deviceId())));
  }

  @BatchMapping(typeName = "OTAResult", field = "phase")
  public Map<OtaResult, String> phase(List<OtaResult> sources) {
    Map<ResultKey, OtaRollback> byKey = rollbacks(sources);
    return mapEach(
        sources,
        r -> byKey.containsKey(new ResultKey(r.jobId(), r.deviceId())) ? "ROLLBACK" : "UPDATE");
  }

  /** The update's success, unless the rollout took the device back (see {@link OtaRollback}). */
  @BatchMapping(typeName = "OTAResult", field = "success")
  public Map<OtaResult, Boolean> success(List<OtaResult> sources) {
    Map<ResultKey, OtaRollback> byKey = rollbacks(sources);
    Map<OtaResult, Boolean> result = new java.util.LinkedHashMap<>();
    for (OtaResult r : sources) {
      OtaRollback rollback = byKey.get(new ResultKey(r.jobId(), r.deviceId()));
      // A null value is dropped from a batch mapping's map: a missing key answers null too.
      Boolean success = rollback == null ? r.success() : rollback.success(r.success());
      if (success != null) {
        result.put(r, success);
      }
    }
    return result;
  }

  /** The rollbacks of these results; only those not known to have none are looked up. */
  private Map<ResultKey, OtaRollback> rollbacks(List<OtaResult> sources) {
    List<ResultKey> keys =
        sources.stream()
            .filter(r -> !Boolean.FALSE.equals(r.rolledBack()))
            .map(r -> new ResultKey(r.jobId(), r.deviceId()))
            .toList();
    return keys.isEmpty() ? Map.of() : jobs.rollbacks(tenants.organizationId(), keys);
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

  private static ApiException tooManyResults(OtaJob job, int total, int offset) {
    String count =
        offset == 0
            ? total + " results"
            : total + " results (" + (total - offset) + " from offset " + offset + ")";
    return ApiException.invalid(
        "rollout "
            + job.id()
            + " has "
            + count
            + ", more than the "
            + Pagination.MAX_SIZE
            + " that results answers without a size: page through them with"
            + " resultPage(from:, size:) or results(from:, size:)");
  }

  /**
   * Keys that share organization, filter, sort and window share one page query, which counts too
   * when the total is asked for. For a key without a limit, a job whose results from the offset do
   * not fit one page is answered with its count and no items.
   */
  private Map<ResultsKey, ResultWindow> loadResults(Set<ResultsKey> keys) {
    record Batch(
        UUID organizationId,
        OtaResultFilter filter,
        OtaResultSort sort,
        int offset,
        Integer limit,
        boolean counted) {}
    Map<Batch, Set<UUID>> batches =
        keys.stream()
            .collect(
                Collectors.groupingBy(
                    k ->
                        new Batch(
                            k.organizationId(),
                            k.filter(),
                            k.sort(),
                            k.offset(),
                            k.limit(),
                            k.counted()),
                    Collectors.mapping(ResultsKey::jobId, Collectors.toSet())));
    Map<ResultsKey, ResultWindow> result = new HashMap<>();
    batches.forEach(
        (batch, jobIds) -> {
          Map<UUID, Integer> totals = new HashMap<>();
          Map<UUID, List<OtaResult>> pages;
          if (batch.limit() != null && batch.counted()) {
            RolloutRepository.CountedPages counted =
                jobs.countedResultPages(
                    batch.organizationId(),
                    jobIds,
                    batch.filter(),
                    batch.sort(),
                    batch.offset(),
                    batch.limit());
            pages = counted.pages();
            totals = counted.totals();
          } else {
            // Without a limit, every result from the offset if they fit one answer: one more than
            // fits is read, and only a job that has more is counted, for the refusal's message.
            pages =
                new HashMap<>(
                    jobs.resultPages(
                        batch.organizationId(),
                        jobIds,
                        batch.filter(),
                        batch.sort(),
                        batch.offset(),
                        batch.limit() != null ? batch.limit() : Pagination.MAX_SIZE + 1));
            Set<UUID> over =
                batch.limit() != null
                    ? Set.of()
                    : pages.entrySet().stream()
                        .filter(e -> e.getValue().size() > Pagination.MAX_SIZE)
                        .map(Map.Entry::getKey)
                        .collect(Collectors.toSet());
            if (!over.isEmpty()) {
              totals.putAll(jobs.resultCounts(batch.organizationId(), over, batch.filter()));
              over.forEach(pages::remove);
            }
          }
          for (UUID jobId : jobIds) {
            result.put(
                new ResultsKey(
                    batch.organizationId(),
                    jobId,
                    batch.filter(),
                    batch.sort(),
                    batch.offset(),
                    batch.limit(),
                    batch.counted()),
                new ResultWindow(
                    batch.counted() ? totals.getOrDefault(jobId, 0) : totals.get(jobId),
                    pages.get(jobId)));
          }
        });
    return result;
  }

  /** Keys that share a window share one count and one page query. */
  private Map<UpdatesKey, Page<OtaResult>> loadUpdates(Set<UpdatesKey> keys) {
    record Batch(UUID organizationId, int offset, int limit) {}
    Map<Batch, Set<String>> batches =
        keys.stream()
            .collect(
                Collectors.groupingBy(
                    k -> new Batch(k.organizationId(), k.offset(), k.limit()),
                    Collectors.mapping(UpdatesKey::deviceId, Collectors.toSet())));
    Map<UpdatesKey, Page<OtaResult>> result = new HashMap<>();
    batches.forEach(
        (batch, deviceIds) -> {
          Map<String, Integer> totals = jobs.deviceResultCounts(batch.organizationId(), deviceIds);
          Map<String, List<OtaResult>> pages =
              jobs.deviceResultPages(
                  batch.organizationId(), deviceIds, batch.offset(), batch.limit());
          for (String deviceId : deviceIds) {
            result.put(
                new UpdatesKey(batch.organizationId(), deviceId, batch.offset(), batch.limit()),
                Page.of(batch.offset(), totals.getOrDefault(deviceId, 0), pages.get(deviceId)));
          }
        });
    return result;
  }
}
