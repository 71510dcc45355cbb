package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceCapabilities;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.protocol.Transport;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.stereotype.Repository;

/**
 * Which devices a job targets: its product's devices in its organization, or only the members of
 * its target group. Serves the targets by page, reads what delivering one of them needs, and queues
 * results for devices that joined the targets after the job started (through {@link
 * ResultTransitions}, which writes them).
 */
@Repository
public class JobTargets {
  private static final Field<?>[] UPDATE_TARGET =
      new Field<?>[] {
        OTA_JOBS.ORGANIZATION_ID,
        DEVICES.ID,
        DEVICES.FIRMWARE_VERSION,
        PRODUCT_FIRMWARE.VERSION,
        PRODUCT_FIRMWARE.STORAGE_KEY,
        PRODUCT_FIRMWARE.SHA256,
        PRODUCT_FIRMWARE.SIZE_BYTES,
        OTA_RESULTS.STATE,
        OTA_RESULTS.BYTES_SENT,
        OTA_RESULTS.ERROR_CODE,
        OTA_JOBS.ALLOW_DOWNGRADE,
        DEVICES.ONLINE,
        OTA_JOBS.DATA_POLICY,
        OTA_RESULTS.DATA_OVERRIDE,
        DEVICES.ARTIFACT_KINDS,
        DEVICES.TRANSPORTS,
        DEVICES.MAX_CHUNK_SIZE,
        DEVICES.DELTA_FILTERS,
        DEVICES.DELTA_CODECS,
        DEVICES.SLOT_MODE,
        DEVICES.SLOT_SIZE,
        DEVICES.SLOT_SEGMENT
      };

  private final DSLContext dsl;
  private final ResultTransitions transitions;
  private final RenderedQuery updateTargetQuery;

  public JobTargets(DSLContext dsl, ResultTransitions transitions) {
    this.dsl = dsl;
    this.transitions = transitions;
    this.updateTargetQuery = RenderedQuery.of(dsl, updateTargetQuery(dsl));
  }

  /**
   * The devices {@code job} targets, as a condition on {@code devices}: its product's (or group's),
   * except those locked to another version than the job's.
   */
  Condition condition(OtaJobsRecord job) {
    Condition product =
        DEVICES
            .PRODUCT_ID
            .eq(job.getProductId())
            .and(DEVICES.ORGANIZATION_ID.eq(job.getOrganizationId()))
            .and(
                DEVICES
                    .FIRMWARE_LOCK
                    .isNull()
                    .or(DEVICES.FIRMWARE_LOCK.eq(job.getTargetVersion())));
    if (job.getTargetGroupId() == null) {
      return product;
    }
    return product.and(
        DSL.exists(
            DSL.selectOne()
                .from(DEVICE_GROUP_MEMBERS)
                .where(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(job.getTargetGroupId()))
                .and(DEVICE_GROUP_MEMBERS.DEVICE_ID.eq(DEVICES.ID))));
  }

  /** Target device ids of the job in id order, after {@code afterDeviceId} when given. */
  public List<String> list(OtaJobsRecord job, String afterDeviceId, int limit) {
    Condition condition = condition(job);
    if (afterDeviceId != null) {
      condition = condition.and(DEVICES.ID.gt(afterDeviceId));
    }
    return dsl.select(DEVICES.ID)
        .from(DEVICES)
        .where(condition)
        .orderBy(DEVICES.ID)
        .limit(limit)
        .fetch(DEVICES.ID);
  }

  /** Queues a result for every target that has none yet (devices that joined), with history. */
  public int queueJoiners(OtaJobsRecord job) {
    return dsl.transactionResult(tx -> transitions.queue(tx.dsl(), job.getId(), condition(job)));
  }

  /**
   * Everything the delivery of one device's update needs, read in one query. {@code dataPolicy}:
   * what the job does with a device whose SIM would pass its cap (NONE, DEFER or SKIP), NONE once
   * an operator overrode it for this device. {@code capabilities}: the artifact kinds the device's
   * presence declared (the protocol's default when it declared none).
   */
  public record UpdateTarget(
      UUID organizationId,
      String deviceId,
      String deviceVersion,
      String targetVersion,
      String storageKey,
      String sha256,
      long size,
      DeviceUpdateState resultState,
      long bytesSent,
      String errorCode,
      boolean allowDowngrade,
      boolean online,
      String dataPolicy,
      DeviceCapabilities capabilities) {

    public UpdateTarget {
      capabilities = DeviceCapabilities.orDefault(capabilities);
    }

    /** Whether the device receives bytes over {@code transport}, as its presence declared. */
    public boolean supports(Transport transport) {
      return capabilities.supports(transport);
    }

    /** Whether the device installs artifacts of {@code kind}, as its presence declared. */
    public boolean accepts(ArtifactKind kind) {
      return capabilities.accepts(kind);
    }

    /** Whether the device has one slot, rewritten in place, as its presence declared. */
    public boolean installsInPlace() {
      return capabilities.installsInPlace();
    }
  }

  /**
   * The job's firmware, the device and its result (a null {@code resultState} when it has none
   * yet); empty when the device is not of the job's product and organization.
   */
  public Optional<UpdateTarget> updateTarget(UUID jobId, String deviceId) {
    return updateTargetQuery
        .fetch(dsl, Map.of("job_id", jobId, "device_id", deviceId), UPDATE_TARGET)
        .stream()
        .findFirst()
        .map(JobTargets::updateTarget);
  }

  /**
   * As {@link #updateTarget} for a slice of devices in one query: by device id, without the devices
   * that are not of the job's product and organization.
   */
  public Map<String, UpdateTarget> updateTargets(UUID jobId, List<String> deviceIds) {
    Map<String, UpdateTarget> found = new HashMap<>();
    dsl.select(UPDATE_TARGET)
        .from(OTA_JOBS)
        .join(PRODUCT_FIRMWARE)
        .on(PRODUCT_FIRMWARE.ID.eq(OTA_JOBS.FIRMWARE_ID))
        .join(DEVICES)
        .on(
            DEVICES
                .ID
                .in(deviceIds)
                .and(DEVICES.PRODUCT_ID.eq(OTA_JOBS.PRODUCT_ID))
                .and(DEVICES.ORGANIZATION_ID.eq(OTA_JOBS.ORGANIZATION_ID)))
        .leftJoin(OTA_RESULTS)
        .on(OTA_RESULTS.JOB_ID.eq(OTA_JOBS.ID).and(OTA_RESULTS.DEVICE_ID.eq(DEVICES.ID)))
        .where(OTA_JOBS.ID.eq(jobId))
        .forEach(r -> found.put(r.get(DEVICES.ID), updateTarget(r)));
    return found;
  }

  private static UpdateTarget updateTarget(Record r) {
    return new UpdateTarget(
        r.get(OTA_JOBS.ORGANIZATION_ID),
        r.get(DEVICES.ID),
        r.get(DEVICES.FIRMWARE_VERSION),
        r.get(PRODUCT_FIRMWARE.VERSION),
        r.get(PRODUCT_FIRMWARE.STORAGE_KEY),
        r.get(PRODUCT_FIRMWARE.SHA256),
        r.get(PRODUCT_FIRMWARE.SIZE_BYTES),
        DeviceUpdateState.parse(r.get(OTA_RESULTS.STATE)),
        r.get(OTA_RESULTS.BYTES_SENT) == null ? 0 : r.get(OTA_RESULTS.BYTES_SENT),
        r.get(OTA_RESULTS.ERROR_CODE),
        Boolean.TRUE.equals(r.get(OTA_JOBS.ALLOW_DOWNGRADE)),
        Boolean.TRUE.equals(r.get(DEVICES.ONLINE)),
        Boolean.TRUE.equals(r.get(OTA_RESULTS.DATA_OVERRIDE))
            ? "NONE"
            : r.get(OTA_JOBS.DATA_POLICY),
        DeviceCapabilities.ofStored(
            r.get(DEVICES.ARTIFACT_KINDS),
            r.get(DEVICES.TRANSPORTS),
            r.get(DEVICES.MAX_CHUNK_SIZE),
            r.get(DEVICES.SLOT_MODE) == null
                ? null
                : new SlotLayout(
                    r.get(DEVICES.SLOT_MODE),
                    r.get(DEVICES.SLOT_SIZE),
                    r.get(DEVICES.SLOT_SEGMENT)),
            r.get(DEVICES.DELTA_FILTERS),
            r.get(DEVICES.DELTA_CODECS)));
  }

  private static ResultQuery<?> updateTargetQuery(DSLContext dsl) {
    return dsl.select(UPDATE_TARGET)
        .from(OTA_JOBS)
        .join(PRODUCT_FIRMWARE)
        .on(PRODUCT_FIRMWARE.ID.eq(OTA_JOBS.FIRMWARE_ID))
        .join(DEVICES)
        .on(
            DEVICES
                .ID
                .eq(DSL.param("device_id", SQLDataType.VARCHAR))
                .and(DEVICES.PRODUCT_ID.eq(OTA_JOBS.PRODUCT_ID))
                .and(DEVICES.ORGANIZATION_ID.eq(OTA_JOBS.ORGANIZATION_ID)))
        .leftJoin(OTA_RESULTS)
        .on(OTA_RESULTS.JOB_ID.eq(OTA_JOBS.ID).and(OTA_RESULTS.DEVICE_ID.eq(DEVICES.ID)))
        .where(OTA_JOBS.ID.eq(DSL.param("job_id", SQLDataType.UUID)));
  }
}
