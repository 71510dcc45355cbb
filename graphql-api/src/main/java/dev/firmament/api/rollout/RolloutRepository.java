package dev.firmament.api.rollout;

import static dev.firmament.sql.generated.Tables.AUDIT_LOG;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.AnyOf;
import dev.firmament.delta.DeltaRoutes;
import dev.firmament.delta.DeltaRoutes.Patch;
import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.StageKind;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceCapabilities;
import dev.firmament.sql.SharedDevices;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.sql.generated.tables.records.OtaResultsRecord;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record3;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/** OTA jobs, their results and result history, of one organization. */
@Repository
public class RolloutRepository {
  static final String TARGET_PRODUCT = "PRODUCT";
  static final String TARGET_GROUP = "GROUP";

  /** The order of every list of jobs, and of a device's results by their job. */
  private static final List<SortField<?>> NEWEST_FIRST =
      List.of(OTA_JOBS.CREATED_AT.desc(), OTA_JOBS.ID.asc());

  private final DSLContext dsl;

  public RolloutRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** The key of one device's result within one job. */
  public record ResultKey(UUID jobId, String deviceId) {}

  public Optional<OtaJob> findById(UUID organizationId, UUID id) {
    return dsl.selectFrom(OTA_JOBS)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.eq(id)))
        .fetchOptional(RolloutRepository::toJob);
  }

  public List<OtaJob> findByIds(UUID organizationId, Collection<UUID> ids) {
    return dsl.selectFrom(OTA_JOBS)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.in(ids)))
        .fetch(RolloutRepository::toJob);
  }

  /** Newest first. */
  public List<OtaJob> ofProducts(UUID organizationId, Collection<UUID> productIds) {
    return ofProducts(organizationId, productIds, null);
  }

  /** Newest first; {@code statuses} null for every status. */
  public List<OtaJob> ofProducts(
      UUID organizationId, Collection<UUID> productIds, Set<String> statuses) {
    return dsl.selectFrom(OTA_JOBS)
        .where(jobs(organizationId, statuses, productIds))
        .orderBy(NEWEST_FIRST)
        .fetch(RolloutRepository::toJob);
  }

  /** The organization's jobs with these statuses of these products (null for any). */
  public int count(UUID organizationId, Set<String> statuses, Set<UUID> productIds) {
    return dsl.fetchCount(OTA_JOBS, jobs(organizationId, statuses, productIds));
  }

  /** One page of the organization's jobs, newest first; filters as in {@link #count}. */
  public List<OtaJob> page(
      UUID organizationId, Set<String> statuses, Set<UUID> productIds, int offset, int limit) {
    if (limit == 0) {
      return List.of();
    }
    return dsl.selectFrom(OTA_JOBS)
        .where(jobs(organizationId, statuses, productIds))
        .orderBy(NEWEST_FIRST)
        .offset(offset)
        .limit(limit)
        .fetch(RolloutRepository::toJob);
  }

  private static Condition jobs(
      UUID organizationId, Set<String> statuses, Collection<UUID> productIds) {
    Condition condition = OTA_JOBS.ORGANIZATION_ID.eq(organizationId);
    if (statuses != null) {
      condition = condition.and(OTA_JOBS.STATUS.in(statuses));
    }
    if (productIds != null) {
      condition = condition.and(OTA_JOBS.PRODUCT_ID.in(productIds));
    }
    return condition;
  }

  public OtaJob insert(UUID organizationId, OtaJob job) {
    return dsl.insertInto(OTA_JOBS)
        .set(OTA_JOBS.ID, job.id())
        .set(OTA_JOBS.ORGANIZATION_ID, organizationId)
        .set(OTA_JOBS.PRODUCT_ID, job.productId())
        .set(OTA_JOBS.FIRMWARE_ID, job.firmwareId())
        .set(OTA_JOBS.TARGET_VERSION, job.targetVersion())
        .set(OTA_JOBS.TARGET_KIND, job.deviceGroupId() == null ? TARGET_PRODUCT : TARGET_GROUP)
        .set(OTA_JOBS.TARGET_GROUP_ID, job.deviceGroupId())
        .set(OTA_JOBS.STATUS, job.status())
        .set(OTA_JOBS.MAX_IN_FLIGHT, job.maxInFlight())
        .set(OTA_JOBS.WORKFLOW_ID, job.workflowId())
        .set(OTA_JOBS.TOTAL_DEVICES, job.totalDevices())
        .set(OTA_JOBS.CREATED_BY, job.createdBy())
        .returning()
        .fetchSingle(RolloutRepository::toJob);
  }

  /** Records who approved the job (the last approval, when it has several stages to approve). */
  public void recordApproval(UUID organizationId, UUID jobId, String actor) {
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.APPROVED_BY, actor)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.eq(jobId)))
        .execute();
  }

  /** Stores the plan the job runs, as the JSON the workflow received. */
  public void savePlan(UUID organizationId, UUID jobId, String planJson) {
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.PLAN, planJson)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.eq(jobId)))
        .execute();
  }

  /** The stored plan JSON per job (jobs created before plans have none). */
  public Map<UUID, String> plans(UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, String> result = new HashMap<>();
    dsl.select(OTA_JOBS.ID, OTA_JOBS.PLAN)
        .from(OTA_JOBS)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.in(jobIds)))
        .forEach(r -> result.put(r.value1(), r.value2()));
    return result;
  }

  /** The status detail of each job that has one (why it stopped, or the stage it is in). */
  public Map<UUID, String> statusDetails(UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, String> result = new HashMap<>();
    dsl.select(OTA_JOBS.ID, OTA_JOBS.STATUS_DETAIL)
        .from(OTA_JOBS)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.in(jobIds)))
        .and(OTA_JOBS.STATUS_DETAIL.isNotNull())
        .forEach(r -> result.put(r.value1(), r.value2()));
    return result;
  }

  /**
   * The devices a rollout changed and could take back: results that succeeded from a known, other
   * version (what the rollback stage assigns).
   */
  public int changedDevices(
      UUID organizationId,
      UUID jobId,
      String targetVersion,
      Integer[] scopeStages,
      String[] scopeDevices) {
    var changed =
        OTA_RESULTS
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(OTA_RESULTS.JOB_ID.eq(jobId))
            .and(OTA_RESULTS.STATE.eq("SUCCEEDED"))
            .and(OTA_RESULTS.FROM_VERSION.isNotNull())
            .and(OTA_RESULTS.FROM_VERSION.ne(targetVersion))
            .andNotExists(
                DSL.selectOne()
                    .from(OTA_ROLLBACK_RESULTS)
                    .where(OTA_ROLLBACK_RESULTS.JOB_ID.eq(OTA_RESULTS.JOB_ID))
                    .and(OTA_ROLLBACK_RESULTS.DEVICE_ID.eq(OTA_RESULTS.DEVICE_ID)));
    if (scopeStages != null || scopeDevices != null) {
      changed =
          changed.and(
              OTA_RESULTS
                  .STAGE
                  .in(scopeStages == null ? new Integer[0] : scopeStages)
                  .or(
                      OTA_RESULTS.DEVICE_ID.in(
                          scopeDevices == null ? new String[0] : scopeDevices)));
    }
    return dsl.fetchCount(OTA_RESULTS, changed);
  }

  /** The index of the job's next stage: after its recorded stages and after the plan's. */
  public int nextStageIndex(UUID organizationId, UUID jobId, int planStages) {
    Integer last =
        dsl.select(DSL.max(OTA_STAGES.STAGE_INDEX))
            .from(OTA_STAGES)
            .where(OTA_STAGES.ORGANIZATION_ID.eq(organizationId))
            .and(OTA_STAGES.JOB_ID.eq(jobId))
            .fetchOne(0, Integer.class);
    return Math.max(planStages, last == null ? 0 : last + 1);
  }

  /**
   * Opens an ended rollout again for its rollback run: status ROLLING_BACK, no finish time, the
   * run's workflow id (so that controls and reconciliation reach the run) and the reason (its
   * {@code stopReason} once the run ended). False when the job's status is no longer {@code
   * endedAs}.
   */
  public boolean reopenForRollback(
      UUID organizationId,
      UUID jobId,
      String endedAs,
      String workflowId,
      Integer[] scopeStages,
      String[] scopeDevices,
      String reason) {
    return dsl.update(OTA_JOBS)
            .set(OTA_JOBS.STATUS, RolloutStatus.ROLLING_BACK.name())
            .set(OTA_JOBS.STATUS_DETAIL, reason)
            .set(OTA_JOBS.ROLLBACK_STAGES, scopeStages)
            .set(OTA_JOBS.ROLLBACK_DEVICES, scopeDevices)
            .setNull(OTA_JOBS.FINISHED_AT)
            .set(OTA_JOBS.WORKFLOW_ID, workflowId)
            .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId))
            .and(OTA_JOBS.ID.eq(jobId))
            .and(OTA_JOBS.STATUS.eq(endedAs))
            .execute()
        == 1;
  }

  /**
   * Each job's timeline, oldest first: its status changes and the operators' controls (from the
   * audit log, where the database and the API record them) and its stages' starts and ends.
   */
  public Map<UUID, List<OtaJobEvent>> timelines(UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, List<OtaJobEvent>> result = new HashMap<>();
    jobIds.forEach(id -> result.put(id, new ArrayList<>()));
    Map<String, UUID> targets = new HashMap<>();
    for (UUID id : jobIds) {
      targets.put("rollout:" + id, id);
      targets.put("jobId:" + id, id);
    }
    dsl.selectFrom(AUDIT_LOG)
        .where(AUDIT_LOG.ORGANIZATION_ID.eq(organizationId))
        .and(AUDIT_LOG.TARGET.in(targets.keySet()))
        .orderBy(AUDIT_LOG.ID)
        .forEach(
            r -> {
              JsonNode details = readDetails(r.getDetails());
              boolean status = r.getAction().equals("rollout.status");
              result
                  .get(targets.get(r.getTarget()))
                  .add(
                      new OtaJobEvent(
                          r.getOccurredAt(),
                          status ? "STATUS" : "CONTROL",
                          status ? details.path("status").asText() : r.getAction(),
                          r.getActor(),
                          status ? null : details.path("outcome").asText(null),
                          null));
            });
    dsl.selectFrom(OTA_STAGES)
        .where(OTA_STAGES.ORGANIZATION_ID.eq(organizationId))
        .and(OTA_STAGES.JOB_ID.in(jobIds))
        .forEach(
            s -> {
              List<OtaJobEvent> events = result.get(s.getJobId());
              events.add(
                  new OtaJobEvent(
                      s.getCreatedAt(),
                      "STAGE_STARTED",
                      s.getName(),
                      "system",
                      null,
                      s.getStageIndex()));
              if (s.getSoakStartedAt() != null) {
                events.add(
                    new OtaJobEvent(
                        s.getSoakStartedAt(),
                        "STAGE_SOAKING",
                        s.getName(),
                        "system",
                        null,
                        s.getStageIndex()));
              }
              if (s.getFinishedAt() != null) {
                events.add(
                    new OtaJobEvent(
                        s.getFinishedAt(),
                        "STAGE_FINISHED",
                        s.getName() + " " + s.getStatus(),
                        "system",
                        null,
                        s.getStageIndex()));
              }
            });
    result.values().forEach(events -> events.sort(java.util.Comparator.comparing(OtaJobEvent::at)));
    return result;
  }

  private static JsonNode readDetails(String details) {
    try {
      return details == null ? MISSING : JSON.readTree(details);
    } catch (JsonProcessingException e) {
      return MISSING;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode MISSING = JSON.missingNode();

  /** The jobs among {@code jobIds} that may take devices to an older build. */
  public Set<UUID> allowingDowngrade(UUID organizationId, Collection<UUID> jobIds) {
    return new HashSet<>(
        dsl.select(OTA_JOBS.ID)
            .from(OTA_JOBS)
            .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.in(jobIds)))
            .and(OTA_JOBS.ALLOW_DOWNGRADE.isTrue())
            .fetch(OTA_JOBS.ID));
  }

  /** The recorded stages of each job, in index order. */
  public Map<UUID, List<OtaStage>> stages(UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, List<OtaStage>> result = new HashMap<>();
    dsl.selectFrom(OTA_STAGES)
        .where(OTA_STAGES.ORGANIZATION_ID.eq(organizationId).and(OTA_STAGES.JOB_ID.in(jobIds)))
        .orderBy(OTA_STAGES.JOB_ID, OTA_STAGES.STAGE_INDEX)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.getJobId(), k -> new ArrayList<>())
                    .add(
                        new OtaStage(
                            r.getStageIndex(),
                            r.getName(),
                            r.getKind(),
                            r.getStatus(),
                            r.getAssigned(),
                            r.getStarted(),
                            r.getInFlight(),
                            r.getSucceeded(),
                            r.getSkipped(),
                            r.getFailed(),
                            r.getTimedOut(),
                            r.getRejected(),
                            r.getRolledBack(),
                            r.getUnhealthy(),
                            r.getUpdatedAt(),
                            r.getFinishedAt(),
                            r.getCreatedAt(),
                            r.getSoakStartedAt(),
                            null,
                            null)));
    return result;
  }

  /**
   * Each job's accepted controls of one kind ({@code approveOTAJob}, {@code promoteOTAJob}), oldest
   * first, from the audit log.
   */
  public Map<UUID, List<StageTimelines.Decision>> acceptedControls(
      UUID organizationId, Collection<UUID> jobIds, String action) {
    Map<String, UUID> targets = new HashMap<>();
    for (UUID id : jobIds) {
      targets.put("rollout:" + id, id);
      targets.put("jobId:" + id, id);
    }
    Map<UUID, List<StageTimelines.Decision>> result = new HashMap<>();
    dsl.selectFrom(AUDIT_LOG)
        .where(AUDIT_LOG.ORGANIZATION_ID.eq(organizationId))
        .and(AUDIT_LOG.TARGET.in(targets.keySet()))
        .and(AUDIT_LOG.ACTION.eq(action))
        .orderBy(AUDIT_LOG.ID)
        .forEach(
            r -> {
              if ("ok".equals(readDetails(r.getDetails()).path("outcome").asText(null))) {
                result
                    .computeIfAbsent(targets.get(r.getTarget()), k -> new ArrayList<>())
                    .add(new StageTimelines.Decision(r.getActor(), r.getOccurredAt()));
              }
            });
    return result;
  }

  /** When the firmware was invalidated, if it was. */
  public Optional<OffsetDateTime> firmwareInvalidatedAt(UUID organizationId, UUID firmwareId) {
    return dsl.select(PRODUCT_FIRMWARE.INVALIDATED_AT)
        .from(PRODUCT_FIRMWARE)
        .where(
            PRODUCT_FIRMWARE
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(PRODUCT_FIRMWARE.ID.eq(firmwareId)))
        .fetchOptional(PRODUCT_FIRMWARE.INVALIDATED_AT)
        .flatMap(Optional::ofNullable);
  }

  /** Marks the firmware invalid once (the first reason stays); false when it does not exist. */
  public boolean invalidateFirmware(UUID organizationId, UUID firmwareId, String reason) {
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.INVALIDATED_AT, OffsetDateTime.now())
        .set(PRODUCT_FIRMWARE.INVALID_REASON, reason)
        .where(
            PRODUCT_FIRMWARE
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(PRODUCT_FIRMWARE.ID.eq(firmwareId))
                .and(PRODUCT_FIRMWARE.INVALIDATED_AT.isNull()))
        .execute();
    return dsl.fetchExists(
        PRODUCT_FIRMWARE,
        PRODUCT_FIRMWARE
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(PRODUCT_FIRMWARE.ID.eq(firmwareId)));
  }

  /**
   * Serialises the creation of rollouts of one product until the transaction ends, so that two
   * rollouts created at once cannot both find the devices free.
   */
  public void lockProductForRollouts(UUID productId) {
    dsl.select(DSL.field("pg_advisory_xact_lock(hashtextextended({0}, 0))", productId.toString()))
        .fetch();
  }

  /**
   * The unfinished jobs of the product that target a device a new job for {@code groupId} (null:
   * every device of the product) would target too, oldest first.
   */
  public List<UUID> unfinishedJobsSharingDevices(
      UUID organizationId, UUID productId, UUID groupId) {
    return dsl.select(OTA_JOBS.ID)
        .from(OTA_JOBS)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId))
        .and(OTA_JOBS.PRODUCT_ID.eq(productId))
        .and(OTA_JOBS.STATUS.notIn(finalStatuses()))
        .and(SharedDevices.with(OTA_JOBS, groupId))
        .orderBy(OTA_JOBS.CREATED_AT)
        .fetch(OTA_JOBS.ID);
  }

  private static List<String> finalStatuses() {
    return EnumSet.allOf(RolloutStatus.class).stream()
        .filter(RolloutStatus::isFinal)
        .map(Enum::name)
        .toList();
  }

  /**
   * {@code OTAStageCellularBytes}: a stage's devices that have an active SIM, the bytes planned for
   * them, the bytes sent to them, and how many wait deferred for their data cap.
   */
  public record CellularBytes(
      Integer stageIndex, int devices, long expectedBytes, long actualBytes, int deferred) {}

  /**
   * The cellular bytes of each job, per stage (docs/connectivity.md, "Cellular bytes per stage"):
   * over the results whose device has an ACTIVE SIM now, the expected bytes are each device's
   * planned artifact once it was offered or deferred, before that what the workers would plan for
   * it ({@link #estimate}), and the actual bytes what the gateways sent it. Devices no stage has
   * taken yet come last, with a null stage index.
   */
  public Map<UUID, List<CellularBytes>> cellularBytes(
      UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, List<CellularBytes>> found = new HashMap<>();
    for (UUID jobId : jobIds) {
      found.put(jobId, new ArrayList<>());
    }
    UUID[] ids = jobIds.toArray(UUID[]::new);
    Map<StageOfJob, Long> estimated = estimates(organizationId, ids);
    dsl.resultQuery(
            """
            select r.job_id, r.stage, count(*) as devices,
                   coalesce(sum(case
                       when r.state = 'SKIPPED' then 0
                       when r.artifact_size_bytes is not null then r.artifact_size_bytes
                       else 0 end), 0) as planned,
                   coalesce(sum(r.bytes_sent), 0) as actual,
                   count(*) filter (where r.state = 'QUEUED' and r.error_code = 'DATA_CAP')
                       as deferred
            from ota_results r
            join sims s on s.device_id = r.device_id and s.organization_id = r.organization_id
                       and s.status = 'ACTIVE'
            where r.organization_id = {0} and r.job_id = any({1})
            group by r.job_id, r.stage
            order by r.job_id, r.stage nulls last""",
            DSL.val(organizationId), DSL.val(ids))
        .forEach(
            r -> {
              UUID jobId = r.get("job_id", UUID.class);
              Integer stage = r.get("stage", Integer.class);
              found
                  .get(jobId)
                  .add(
                      new CellularBytes(
                          stage,
                          r.get("devices", Integer.class),
                          r.get("planned", Long.class)
                              + estimated.getOrDefault(new StageOfJob(jobId, stage), 0L),
                          r.get("actual", Long.class),
                          r.get("deferred", Integer.class)));
            });
    return found;
  }

  private record StageOfJob(UUID jobId, Integer stage) {}

  /**
   * The bytes the workers would plan for the devices with an active SIM that were neither offered
   * nor deferred yet, per stage: for each group of devices on one version that declare the same
   * artifact kinds and branch filters, the cheapest route over the product's published patches that
   * they install and decode (one patch, or a chain for a device that installs chains), else the
   * full image; nothing for a device already on the target. The same rule as the workers' artifact
   * planner, over the same patches ({@link DeltaRoutes}).
   */
  private Map<StageOfJob, Long> estimates(UUID organizationId, UUID[] jobIds) {
    Map<UUID, List<Patch>> patches = publishedPatches(organizationId, jobIds);
    Map<StageOfJob, Long> estimated = new HashMap<>();
    dsl.resultQuery(
            """
            select r.job_id, r.stage, d.firmware_version, d.artifact_kinds, d.delta_filters,
                   d.delta_codecs,
                   f.version as target, f.size_bytes, count(*) as devices
            from ota_results r
            join sims s on s.device_id = r.device_id and s.organization_id = r.organization_id
                       and s.status = 'ACTIVE'
            join ota_jobs j on j.id = r.job_id
            join product_firmware f on f.id = j.firmware_id
            join devices d on d.id = r.device_id
            where r.organization_id = {0} and r.job_id = any({1})
              and r.state <> 'SKIPPED' and r.artifact_size_bytes is null
              and d.firmware_version is distinct from f.version
            group by r.job_id, r.stage, d.firmware_version, d.artifact_kinds, d.delta_filters,
                     d.delta_codecs, f.version, f.size_bytes""",
            DSL.val(organizationId), DSL.val(jobIds))
        .forEach(
            r -> {
              UUID jobId = r.get("job_id", UUID.class);
              long each =
                  estimate(
                      patches.getOrDefault(jobId, List.of()),
                      r.get("firmware_version", String.class),
                      r.get("artifact_kinds", String.class),
                      r.get("delta_filters", String.class),
                      r.get("delta_codecs", String.class),
                      r.get("target", String.class),
                      r.get("size_bytes", Long.class));
              estimated.merge(
                  new StageOfJob(jobId, r.get("stage", Integer.class)),
                  each * r.get("devices", Long.class),
                  Long::sum);
            });
    return estimated;
  }

  /**
   * What one device on {@code version} that keeps {@code artifactKinds}, {@code deltaFilters} and
   * {@code deltaCodecs} would be sent to reach {@code target}: the cheapest route it installs, over
   * the smallest patch of each pair it decodes, when it is smaller than the image, else the image
   * of {@code imageBytes}.
   *
   * @param bySize the published patches, smallest first
   */
  static long estimate(
      List<Patch> bySize,
      String version,
      String artifactKinds,
      String deltaFilters,
      String deltaCodecs,
      String target,
      long imageBytes) {
    DeviceCapabilities kinds =
        DeviceCapabilities.orDefault(
            DeviceCapabilities.ofStored(
                artifactKinds, null, null, null, deltaFilters, deltaCodecs));
    int maxSteps =
        DeltaRoutes.maxSteps(
            kinds.accepts(ArtifactKind.DELTA), kinds.accepts(ArtifactKind.DELTA_CHAIN));
    List<Patch> patches =
        DeltaRoutes.smallestOfEachPair(
            bySize.stream()
                .filter(p -> kinds.decodesFilter(p.branchFilter()) && kinds.decodesCodec(p.codec()))
                .toList());
    return DeltaRoutes.cheapest(patches, version, target, maxSteps)
        .map(DeltaRoutes.Route::bytes)
        .filter(bytes -> bytes < imageBytes)
        .orElse(imageBytes);
  }

  /**
   * The published patches of each job's product, smallest first, with their branch filters, as the
   * workers' delta catalog reads them (without what only sending needs).
   */
  private Map<UUID, List<Patch>> publishedPatches(UUID organizationId, UUID[] jobIds) {
    Map<UUID, List<Patch>> bySize = new HashMap<>();
    dsl.resultQuery(
            """
            select j.id as job_id, pf.version as from_version, pt.version as to_version,
                   fd.size_bytes, fd.branch_filter, fd.codec
            from ota_jobs j
            join firmware_deltas fd on fd.product_id = j.product_id
                                   and fd.organization_id = j.organization_id
            join product_firmware pf on pf.id = fd.from_firmware_id
                                    and pf.product_id = j.product_id
            join product_firmware pt on pt.id = fd.to_firmware_id and pt.product_id = j.product_id
            where j.organization_id = {0} and j.id = any({1}) and fd.status = 'PUBLISHED'
            order by fd.size_bytes, fd.id""",
            DSL.val(organizationId), DSL.val(jobIds))
        .forEach(
            r -> {
              String from = r.get("from_version", String.class);
              String to = r.get("to_version", String.class);
              bySize
                  .computeIfAbsent(r.get("job_id", UUID.class), j -> new ArrayList<>())
                  .add(
                      new Patch(
                          from,
                          to,
                          null,
                          null,
                          r.get("size_bytes", Long.class),
                          null,
                          r.get("branch_filter", String.class),
                          r.get("codec", String.class)));
            });
    return bySize;
  }

  /** Gives the job its data policy (docs/connectivity.md, "Data-aware rollouts"). */
  public void dataPolicy(UUID organizationId, UUID jobId, RolloutPlanInput.DataPolicy policy) {
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.DATA_POLICY, policy.name())
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId))
        .and(OTA_JOBS.ID.eq(jobId))
        .execute();
  }

  /** The data policy of each of {@code jobIds}. */
  public Map<UUID, RolloutPlanInput.DataPolicy> dataPolicies(
      UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, RolloutPlanInput.DataPolicy> found = new HashMap<>();
    dsl.select(OTA_JOBS.ID, OTA_JOBS.DATA_POLICY)
        .from(OTA_JOBS)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId).and(OTA_JOBS.ID.in(jobIds)))
        .forEach(r -> found.put(r.value1(), RolloutPlanInput.DataPolicy.valueOf(r.value2())));
    return found;
  }

  /**
   * Marks the job's results of {@code deviceIds} that wait deferred for their data cap as
   * overridden; returns how many.
   */
  public int overrideDataCap(UUID organizationId, UUID jobId, Collection<String> deviceIds) {
    return dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.DATA_OVERRIDE, true)
        .set(OTA_RESULTS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(OTA_RESULTS.ORGANIZATION_ID.eq(organizationId))
        .and(OTA_RESULTS.JOB_ID.eq(jobId))
        .and(OTA_RESULTS.DEVICE_ID.in(deviceIds))
        .and(OTA_RESULTS.STATE.eq("QUEUED"))
        .and(OTA_RESULTS.ERROR_CODE.eq(DeviceUpdateOutcome.DATA_CAP))
        .and(OTA_RESULTS.DATA_OVERRIDE.isFalse())
        .execute();
  }

  /** Marks the job as allowed to take devices to an older build. */
  public void allowDowngrade(UUID organizationId, UUID jobId) {
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.ALLOW_DOWNGRADE, true)
        .where(OTA_JOBS.ORGANIZATION_ID.eq(organizationId))
        .and(OTA_JOBS.ID.eq(jobId))
        .execute();
  }

  /** Jobs of the firmware whose status is not final, oldest first. */
  public List<OtaJob> unfinishedJobsOfFirmware(UUID organizationId, UUID firmwareId) {
    List<String> finals = finalStatuses();
    return dsl.selectFrom(OTA_JOBS)
        .where(
            OTA_JOBS
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(OTA_JOBS.FIRMWARE_ID.eq(firmwareId))
                .and(OTA_JOBS.STATUS.notIn(finals)))
        .orderBy(OTA_JOBS.CREATED_AT)
        .fetch(RolloutRepository::toJob);
  }

  /** Result rows per state, per job. */
  public Map<UUID, Map<String, Integer>> countsByState(
      UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, Map<String, Integer>> result = new HashMap<>();
    dsl.select(OTA_RESULTS.JOB_ID, OTA_RESULTS.STATE, DSL.count())
        .from(OTA_RESULTS)
        .where(OTA_RESULTS.ORGANIZATION_ID.eq(organizationId).and(OTA_RESULTS.JOB_ID.in(jobIds)))
        .groupBy(OTA_RESULTS.JOB_ID, OTA_RESULTS.STATE)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.value1(), k -> new HashMap<>())
                    .put(r.value2(), r.value3()));
    return result;
  }

  /** Each job's result rows by stage and state, in one query; jobs without any are absent. */
  public Map<UUID, List<StageProgress.Count>> countsByStageAndState(
      UUID organizationId, Collection<UUID> jobIds) {
    Map<UUID, List<StageProgress.Count>> result = new HashMap<>();
    dsl.select(OTA_RESULTS.JOB_ID, OTA_RESULTS.STAGE, OTA_RESULTS.STATE, DSL.count())
        .from(OTA_RESULTS)
        .where(OTA_RESULTS.ORGANIZATION_ID.eq(organizationId).and(OTA_RESULTS.JOB_ID.in(jobIds)))
        .groupBy(OTA_RESULTS.JOB_ID, OTA_RESULTS.STAGE, OTA_RESULTS.STATE)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(new StageProgress.Count(r.value2(), r.value3(), r.value4())));
    return result;
  }

  /**
   * Each job's recorded stages (update and rollback stages, in index order) with their finished
   * devices over time ({@link StageProgressHistory}), in one statement for every job. A stage's
   * devices are the results it holds (a rollback stage's: its rollback results, those from before
   * rollback stages were recorded belonging to the job's first rollback stage). Each device's
   * history rows of its phase, in the order they were written, say when it entered or left a
   * finished state ({@link JobProgress#FINISHED_STATES}): a retry takes it out again. The count at
   * each point is the running sum of those steps up to that time, the step at the time itself
   * included. The points divide the time from the stage's start to its devices' latest transition
   * (the start alone when nothing moved since) into {@code points - 1} equal parts, in whole
   * microseconds, so that the last point is that transition and answers the stage's current count.
   * Jobs without recorded stages are absent.
   */
  public Map<UUID, List<StageProgressHistory>> progressHistories(
      UUID organizationId, Collection<UUID> jobIds, int points) {
    Map<UUID, List<StageProgressHistory>> result = new HashMap<>();
    dsl.resultQuery(
            """
            with stages as (
                select s.job_id, s.stage_index, s.name, s.kind, s.created_at as started_at
                from ota_stages s
                where s.organization_id = {0} and s.job_id = any({1})
            ),
            members as (
                select r.job_id, r.device_id, s.stage_index, s.kind as phase
                from ota_results r
                join stages s on s.job_id = r.job_id and s.stage_index = r.stage
                             and s.kind = 'UPDATE'
                where r.organization_id = {0} and r.job_id = any({1})
                union all
                select b.job_id, b.device_id, s.stage_index, s.kind
                from ota_rollback_results b
                join stages s on s.job_id = b.job_id and s.kind = 'ROLLBACK'
                             and s.stage_index = coalesce(b.stage,
                                 (select min(f.stage_index) from stages f
                                  where f.job_id = b.job_id and f.kind = 'ROLLBACK'))
                where b.organization_id = {0} and b.job_id = any({1})
            ),
            devices as (
                select job_id, stage_index, count(*) as devices
                from members
                group by job_id, stage_index
            ),
            moves as (
                select m.job_id, m.stage_index, h.recorded_at,
                       (h.state = any({2}))::int
                           - coalesce(lag((h.state = any({2}))::int) over (
                               partition by m.job_id, m.device_id, m.phase order by h.id), 0)
                           as step
                from members m
                join ota_result_history h on h.job_id = m.job_id and h.device_id = m.device_id
                                         and h.phase = m.phase
                where h.organization_id = {0}
            ),
            spans as (
                select s.job_id, s.stage_index, s.started_at,
                       (extract(epoch from greatest(s.started_at, max(v.recorded_at))
                                           - s.started_at) * 1000000)::bigint as micros
                from stages s
                left join moves v on v.job_id = s.job_id and v.stage_index = s.stage_index
                group by s.job_id, s.stage_index, s.started_at
            ),
            grid as (
                select distinct p.job_id, p.stage_index,
                       p.started_at + interval '1 microsecond' * (p.micros * i / ({3} - 1)) as at
                from spans p
                cross join generate_series(0, {3} - 1) as i
            ),
            events as (
                select job_id, stage_index, recorded_at as at, step, false as point
                from moves
                where step <> 0
                union all
                select job_id, stage_index, at, 0, true
                from grid
            ),
            counted as (
                select job_id, stage_index, at, point,
                       sum(step) over (partition by job_id, stage_index order by at, point
                                       rows unbounded preceding) as finished
                from events
            )
            select s.job_id, s.stage_index, s.name, coalesce(d.devices, 0) as devices,
                   c.at, c.finished
            from stages s
            left join devices d on d.job_id = s.job_id and d.stage_index = s.stage_index
            join counted c on c.job_id = s.job_id and c.stage_index = s.stage_index and c.point
            order by s.job_id, s.stage_index, c.at""",
            DSL.val(organizationId),
            DSL.val(jobIds.toArray(UUID[]::new)),
            DSL.val(JobProgress.FINISHED_STATES.toArray(String[]::new)),
            DSL.val(points))
        .forEach(
            r -> {
              // The rows come by job, stage and time: a stage's points follow each other.
              List<StageProgressHistory> stages =
                  result.computeIfAbsent(r.get("job_id", UUID.class), j -> new ArrayList<>());
              int stage = r.get("stage_index", Integer.class);
              if (stages.isEmpty() || stages.getLast().stage() != stage) {
                stages.add(
                    new StageProgressHistory(
                        stage,
                        r.get("name", String.class),
                        r.get("devices", Integer.class),
                        new ArrayList<>()));
              }
              stages
                  .getLast()
                  .points()
                  .add(
                      new StageProgressHistory.Point(
                          r.get("at", OffsetDateTime.class), r.get("finished", Integer.class)));
            });
    return result;
  }

  /** How many results of each job the filter keeps, in one query; jobs without any are absent. */
  public Map<UUID, Integer> resultCounts(
      UUID organizationId, Collection<UUID> jobIds, OtaResultFilter filter) {
    Map<UUID, Integer> result = new HashMap<>();
    dsl.select(OTA_RESULTS.JOB_ID, DSL.count())
        .from(OTA_RESULTS)
        .where(results(organizationId, jobIds, filter))
        .groupBy(OTA_RESULTS.JOB_ID)
        .forEach(r -> result.put(r.value1(), r.value2()));
    return result;
  }

  /**
   * One page of the results the filter keeps, in this order, for each job, in one query: for each
   * job an ordered walk (by its primary key for the device order) that stops after the page,
   * instead of numbering every result of every job in the batch.
   */
  public Map<UUID, List<OtaResult>> resultPages(
      UUID organizationId,
      Collection<UUID> jobIds,
      OtaResultFilter filter,
      OtaResultSort sort,
      int offset,
      int limit) {
    return readPages(organizationId, jobIds, filter, sort, offset, limit, null);
  }

  /** Pages of results with how many results of each job the filter keeps. */
  public record CountedPages(Map<UUID, List<OtaResult>> pages, Map<UUID, Integer> totals) {}

  /**
   * {@link #resultPages} with each job's total, counted in the same walk of the index as the page
   * (a window count over the filtered results, before the offset): one statement instead of a count
   * and a page. Only a job whose page came back empty past its first result is counted apart, as
   * its rows carry no total.
   */
  public CountedPages countedResultPages(
      UUID organizationId,
      Collection<UUID> jobIds,
      OtaResultFilter filter,
      OtaResultSort sort,
      int offset,
      int limit) {
    Map<UUID, Integer> totals = new HashMap<>();
    Map<UUID, List<OtaResult>> pages =
        limit == 0
            ? new HashMap<>()
            : readPages(organizationId, jobIds, filter, sort, offset, limit, totals);
    Set<UUID> uncounted =
        jobIds.stream().filter(id -> !totals.containsKey(id)).collect(Collectors.toSet());
    if (!uncounted.isEmpty() && (offset > 0 || limit == 0)) {
      totals.putAll(resultCounts(organizationId, uncounted, filter));
    }
    uncounted.forEach(id -> totals.putIfAbsent(id, 0));
    jobIds.forEach(id -> pages.putIfAbsent(id, new ArrayList<>()));
    return new CountedPages(pages, totals);
  }

  private Map<UUID, List<OtaResult>> readPages(
      UUID organizationId,
      Collection<UUID> jobIds,
      OtaResultFilter filter,
      OtaResultSort sort,
      int offset,
      int limit,
      Map<UUID, Integer> totals) {
    Map<UUID, List<OtaResult>> result = new HashMap<>();
    jobIds.forEach(id -> result.put(id, new ArrayList<>()));
    if (limit == 0 || jobIds.isEmpty()) {
      return result;
    }
    List<SortField<?>> order =
        switch (sort) {
          case DEVICE_ID -> List.of(OTA_RESULTS.DEVICE_ID.asc());
          case UPDATED_AT_DESC ->
              List.of(OTA_RESULTS.UPDATED_AT.desc(), OTA_RESULTS.DEVICE_ID.asc());
        };
    Table<?> jobs = DSL.unnest(jobIds.toArray(UUID[]::new)).as("j", "id");
    Field<UUID> jobId = DSL.field(DSL.name("j", "id"), UUID.class);
    // The page's keys first, then its rows: the walk past the offset reads the index only (the
    // state index covers the organization, the state and the device order), and only the rows of
    // the page are read from the table, instead of every row the offset skips.
    Field<Integer> total =
        totals == null ? DSL.inline(-1).as("total") : DSL.count().over().as("total");
    Table<Record3<UUID, String, Integer>> keys =
        dsl.select(OTA_RESULTS.JOB_ID, OTA_RESULTS.DEVICE_ID, total)
            .from(OTA_RESULTS)
            .where(OTA_RESULTS.JOB_ID.eq(jobId).and(results(organizationId, jobIds, filter)))
            .orderBy(order)
            .offset(offset)
            .limit(limit)
            .asTable("k");
    List<SortField<?>> pageOrder =
        switch (sort) {
          case DEVICE_ID -> List.of(OTA_RESULTS.JOB_ID.asc(), OTA_RESULTS.DEVICE_ID.asc());
          case UPDATED_AT_DESC ->
              List.of(
                  OTA_RESULTS.JOB_ID.asc(),
                  OTA_RESULTS.UPDATED_AT.desc(),
                  OTA_RESULTS.DEVICE_ID.asc());
        };
    List<Field<?>> fields = new ArrayList<>(RESULT_FIELDS);
    fields.add(keys.field(total));
    dsl.select(fields)
        .from(jobs)
        .crossJoin(DSL.lateral(keys))
        .join(OTA_RESULTS)
        .on(
            OTA_RESULTS
                .JOB_ID
                .eq(keys.field(OTA_RESULTS.JOB_ID))
                .and(OTA_RESULTS.DEVICE_ID.eq(keys.field(OTA_RESULTS.DEVICE_ID))))
        .orderBy(pageOrder)
        // Read by position: looking each column up by name cost more than the query itself on
        // pages of 100.
        .forEach(
            r -> {
              OtaResult row = resultAt(r);
              result.get(row.jobId()).add(row);
              if (totals != null) {
                totals.put(row.jobId(), (Integer) r.get(RESULT_FIELDS.size()));
              }
            });
    return result;
  }

  /** The columns an {@link OtaResult} is made of, in the order {@link #resultAt} reads them. */
  private static final List<Field<?>> RESULT_FIELDS =
      List.of(
          OTA_RESULTS.JOB_ID,
          OTA_RESULTS.DEVICE_ID,
          OTA_RESULTS.STATE,
          OTA_RESULTS.ATTEMPT,
          OTA_RESULTS.BYTES_SENT,
          OTA_RESULTS.ARTIFACT_KIND,
          OTA_RESULTS.ERROR_CODE,
          OTA_RESULTS.ERROR_MESSAGE,
          OTA_RESULTS.UPDATED_AT,
          OTA_RESULTS.TRANSPORT,
          OTA_RESULTS.BYTES_RECEIVED,
          // Whether the rollout took the device back: one probe of the rollback table's key per
          // row, so that a page's success and phase need no second query when none was.
          DSL.field(
                  DSL.exists(
                      DSL.selectOne()
                          .from(OTA_ROLLBACK_RESULTS)
                          .where(
                              OTA_ROLLBACK_RESULTS
                                  .JOB_ID
                                  .eq(OTA_RESULTS.JOB_ID)
                                  .and(OTA_ROLLBACK_RESULTS.DEVICE_ID.eq(OTA_RESULTS.DEVICE_ID)))))
              .as("rolled_back"));

  private static OtaResult resultAt(Record r) {
    return new OtaResult(
        (UUID) r.get(0),
        (String) r.get(1),
        (String) r.get(2),
        (Integer) r.get(3),
        (Long) r.get(4),
        (String) r.get(5),
        (String) r.get(6),
        (String) r.get(7),
        (OffsetDateTime) r.get(8),
        (String) r.get(9),
        (Long) r.get(10),
        (Boolean) r.get(11));
  }

  /** How many results each device has, over every job. */
  public Map<String, Integer> deviceResultCounts(
      UUID organizationId, Collection<String> deviceIds) {
    Map<String, Integer> result = new HashMap<>();
    dsl.select(OTA_RESULTS.DEVICE_ID, DSL.count())
        .from(OTA_RESULTS)
        .where(
            OTA_RESULTS.ORGANIZATION_ID.eq(organizationId).and(OTA_RESULTS.DEVICE_ID.in(deviceIds)))
        .groupBy(OTA_RESULTS.DEVICE_ID)
        .forEach(r -> result.put(r.value1(), r.value2()));
    return result;
  }

  /** One page of each device's results, the newest job first, in one query. */
  public Map<String, List<OtaResult>> deviceResultPages(
      UUID organizationId, Collection<String> deviceIds, int offset, int limit) {
    Field<Integer> position =
        DSL.rowNumber()
            .over(DSL.partitionBy(OTA_RESULTS.DEVICE_ID).orderBy(NEWEST_FIRST))
            .as("position");
    Table<Record> ranked =
        dsl.select(OTA_RESULTS.asterisk(), position)
            .from(OTA_RESULTS)
            .join(OTA_JOBS)
            .on(OTA_JOBS.ID.eq(OTA_RESULTS.JOB_ID))
            .where(
                OTA_RESULTS
                    .ORGANIZATION_ID
                    .eq(organizationId)
                    .and(OTA_JOBS.ORGANIZATION_ID.eq(organizationId))
                    .and(OTA_RESULTS.DEVICE_ID.in(deviceIds)))
            .asTable("ranked");
    return pages(ranked, OTA_RESULTS.DEVICE_ID, position, deviceIds, offset, limit);
  }

  /**
   * Rows {@code offset + 1 .. offset + limit} of each parent's partition of {@code ranked}, in
   * position order; every parent is answered, with an empty list when it has no row there.
   */
  private <K> Map<K, List<OtaResult>> pages(
      Table<Record> ranked,
      Field<K> parent,
      Field<Integer> position,
      Collection<K> parentIds,
      int offset,
      int limit) {
    Map<K, List<OtaResult>> result = new HashMap<>();
    parentIds.forEach(id -> result.put(id, new ArrayList<>()));
    if (limit == 0) {
      return result;
    }
    Field<Integer> rankedPosition = ranked.field(position);
    Field<K> rankedParent = ranked.field(parent);
    long end = (long) offset + limit;
    dsl.selectFrom(ranked)
        .where(
            rankedPosition
                .gt(offset)
                .and(end >= Integer.MAX_VALUE ? DSL.noCondition() : rankedPosition.le((int) end)))
        .orderBy(rankedParent, rankedPosition)
        .forEach(r -> result.get(r.get(rankedParent)).add(toResult(r.into(OTA_RESULTS))));
    return result;
  }

  /**
   * The results of these jobs the filter keeps. Stage names are matched against the stages the jobs
   * recorded: a result belongs to a stage once that stage took its device.
   */
  private static Condition results(
      UUID organizationId, Collection<UUID> jobIds, OtaResultFilter filter) {
    Condition condition =
        OTA_RESULTS.ORGANIZATION_ID.eq(organizationId).and(OTA_RESULTS.JOB_ID.in(jobIds));
    if (filter.states() != null) {
      condition = condition.and(OTA_RESULTS.STATE.in(filter.states()));
    }
    if (filter.errorCodes() != null) {
      condition = condition.and(OTA_RESULTS.ERROR_CODE.in(filter.errorCodes()));
    }
    if (filter.deviceIds() != null) {
      condition = condition.and(OTA_RESULTS.DEVICE_ID.in(filter.deviceIds()));
    }
    if (filter.stages() != null) {
      condition =
          condition.and(
              DSL.row(OTA_RESULTS.JOB_ID, OTA_RESULTS.STAGE)
                  .in(
                      DSL.select(OTA_STAGES.JOB_ID, OTA_STAGES.STAGE_INDEX)
                          .from(OTA_STAGES)
                          .where(
                              OTA_STAGES
                                  .ORGANIZATION_ID
                                  .eq(organizationId)
                                  .and(OTA_STAGES.JOB_ID.in(jobIds))
                                  .and(OTA_STAGES.KIND.eq(StageKind.UPDATE.name()))
                                  .and(OTA_STAGES.NAME.in(filter.stages())))));
    }
    return condition;
  }

  /**
   * The results of each job that ended without reaching the target version, counted by state, by
   * error code and by stage name (grouped in PostgreSQL); jobs without any are absent.
   */
  public Map<UUID, OtaFailureBreakdown> failureBreakdowns(
      UUID organizationId, Collection<UUID> jobIds) {
    Condition failed =
        OTA_RESULTS
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(OTA_RESULTS.JOB_ID.in(jobIds))
            .and(OTA_RESULTS.STATE.in(OtaFailureBreakdown.FAILED_STATES));
    Map<UUID, List<OtaFailureBreakdown.StateCount>> byState = new LinkedHashMap<>();
    dsl.select(OTA_RESULTS.JOB_ID, OTA_RESULTS.STATE, DSL.count())
        .from(OTA_RESULTS)
        .where(failed)
        .groupBy(OTA_RESULTS.JOB_ID, OTA_RESULTS.STATE)
        .orderBy(OTA_RESULTS.JOB_ID, DSL.count().desc(), OTA_RESULTS.STATE)
        .forEach(
            r ->
                byState
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(new OtaFailureBreakdown.StateCount(r.value2(), r.value3())));
    Map<UUID, List<OtaFailureBreakdown.ErrorCodeCount>> byErrorCode = new HashMap<>();
    dsl.select(OTA_RESULTS.JOB_ID, OTA_RESULTS.ERROR_CODE, DSL.count())
        .from(OTA_RESULTS)
        .where(failed)
        .groupBy(OTA_RESULTS.JOB_ID, OTA_RESULTS.ERROR_CODE)
        .orderBy(OTA_RESULTS.JOB_ID, DSL.count().desc(), OTA_RESULTS.ERROR_CODE.asc().nullsLast())
        .forEach(
            r ->
                byErrorCode
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(new OtaFailureBreakdown.ErrorCodeCount(r.value2(), r.value3())));
    Map<UUID, List<OtaFailureBreakdown.StageCount>> byStage = new HashMap<>();
    dsl.select(OTA_RESULTS.JOB_ID, OTA_STAGES.NAME, DSL.count())
        .from(OTA_RESULTS)
        .leftJoin(OTA_STAGES)
        .on(
            OTA_STAGES
                .JOB_ID
                .eq(OTA_RESULTS.JOB_ID)
                .and(OTA_STAGES.STAGE_INDEX.eq(OTA_RESULTS.STAGE))
                .and(OTA_STAGES.KIND.eq(StageKind.UPDATE.name())))
        .where(failed)
        .groupBy(OTA_RESULTS.JOB_ID, OTA_STAGES.NAME)
        .orderBy(OTA_RESULTS.JOB_ID, DSL.count().desc(), OTA_STAGES.NAME.asc().nullsLast())
        .forEach(
            r ->
                byStage
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(new OtaFailureBreakdown.StageCount(r.value2(), r.value3())));
    Map<UUID, OtaFailureBreakdown> result = new HashMap<>();
    byState.forEach(
        (jobId, states) ->
            result.put(
                jobId,
                new OtaFailureBreakdown(
                    states.stream().mapToInt(OtaFailureBreakdown.StateCount::count).sum(),
                    states,
                    byErrorCode.getOrDefault(jobId, List.of()),
                    byStage.getOrDefault(jobId, List.of()))));
    return result;
  }

  /** The rollback phase of each result that has one. */
  public Map<ResultKey, OtaRollback> rollbacks(UUID organizationId, Collection<ResultKey> keys) {
    Map<ResultKey, OtaRollback> result = new HashMap<>();
    if (keys.isEmpty()) {
      return result;
    }
    // The jobs' and the devices' ids as two array parameters; the pairs asked for are picked here.
    Set<UUID> jobIds = keys.stream().map(ResultKey::jobId).collect(Collectors.toSet());
    Set<String> deviceIds = keys.stream().map(ResultKey::deviceId).collect(Collectors.toSet());
    Set<ResultKey> wanted = new HashSet<>(keys);
    dsl.selectFrom(OTA_ROLLBACK_RESULTS)
        .where(OTA_ROLLBACK_RESULTS.ORGANIZATION_ID.eq(organizationId))
        .and(AnyOf.uuids(OTA_ROLLBACK_RESULTS.JOB_ID, jobIds))
        .and(AnyOf.strings(OTA_ROLLBACK_RESULTS.DEVICE_ID, deviceIds))
        .forEach(
            r -> {
              ResultKey key = new ResultKey(r.getJobId(), r.getDeviceId());
              if (!wanted.contains(key)) {
                return;
              }
              result.put(
                  key,
                  new OtaRollback(
                      r.getToVersion(),
                      r.getState(),
                      r.getAttempt(),
                      r.getBytesSent(),
                      r.getErrorCode(),
                      r.getErrorMessage(),
                      r.getUpdatedAt()));
            });
    return result;
  }

  /** The history of each result, oldest first. */
  public Map<ResultKey, List<OtaResultTransition>> history(
      UUID organizationId, Collection<ResultKey> keys) {
    Map<ResultKey, List<OtaResultTransition>> result = new HashMap<>();
    keys.forEach(k -> result.put(k, new ArrayList<>()));
    var rows = keys.stream().map(k -> DSL.row(DSL.val(k.jobId()), DSL.val(k.deviceId()))).toList();
    dsl.selectFrom(OTA_RESULT_HISTORY)
        .where(
            OTA_RESULT_HISTORY
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(DSL.row(OTA_RESULT_HISTORY.JOB_ID, OTA_RESULT_HISTORY.DEVICE_ID).in(rows)))
        .orderBy(OTA_RESULT_HISTORY.JOB_ID, OTA_RESULT_HISTORY.DEVICE_ID, OTA_RESULT_HISTORY.ID)
        .forEach(
            r ->
                result
                    .get(new ResultKey(r.getJobId(), r.getDeviceId()))
                    .add(
                        new OtaResultTransition(
                            r.getPhase(),
                            r.getState(),
                            r.getAttempt(),
                            r.getBytesSent(),
                            r.getErrorCode(),
                            r.getDetail(),
                            r.getRecordedAt())));
    return result;
  }

  private static OtaResult toResult(OtaResultsRecord row) {
    return new OtaResult(
        row.getJobId(),
        row.getDeviceId(),
        row.getState(),
        row.getAttempt(),
        row.getBytesSent(),
        row.getArtifactKind(),
        row.getErrorCode(),
        row.getErrorMessage(),
        row.getUpdatedAt(),
        row.getTransport(),
        row.getBytesReceived(),
        null);
  }

  private static OtaJob toJob(OtaJobsRecord r) {
    return new OtaJob(
        r.getId(),
        r.getProductId(),
        r.getFirmwareId(),
        r.getTargetVersion(),
        r.getTargetGroupId(),
        r.getStatus(),
        r.getMaxInFlight(),
        r.getWorkflowId(),
        r.getTotalDevices(),
        r.getCreatedAt(),
        r.getStartedAt(),
        r.getFinishedAt(),
        r.getCreatedBy(),
        r.getApprovedBy());
  }
}
