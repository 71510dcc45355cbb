package dev.firmament.api.rollout;

import dev.firmament.api.Ids;
import dev.firmament.api.Pagination;
import dev.firmament.api.access.AccessService;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.device.DeviceGroup;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.firmware.Firmware;
import dev.firmament.api.firmware.FirmwareRepository;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductService;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.manifest.FirmwareVersion;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.RolloutRequest;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.RolloutWorkflow;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import dev.firmament.orchestrator.rollout.TaskQueues;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Creates rollouts: the {@code ota_jobs} row and its workflow, both or neither. */
@Service
public class RolloutService {
  private static final Logger log = LoggerFactory.getLogger(RolloutService.class);
  static final int DEFAULT_MAX_IN_FLIGHT = 20;
  static final int MAX_MAX_IN_FLIGHT = 1000;

  private final RolloutRepository jobs;
  private final ProductService products;
  private final FirmwareRepository firmware;
  private final DeviceRepository devices;
  private final TenantResolver tenants;
  private final AccessService access;
  private final WorkflowClient workflows;
  private final RolloutProperties properties;
  private final TransactionTemplate transaction;
  private final RolloutTemplateService templates;

  public RolloutService(
      RolloutRepository jobs,
      ProductService products,
      FirmwareRepository firmware,
      DeviceRepository devices,
      TenantResolver tenants,
      AccessService access,
      WorkflowClient workflows,
      RolloutProperties properties,
      PlatformTransactionManager transactionManager,
      RolloutTemplateService templates) {
    this.jobs = jobs;
    this.products = products;
    this.firmware = firmware;
    this.devices = devices;
    this.tenants = tenants;
    this.access = access;
    this.workflows = workflows;
    this.properties = properties;
    this.transaction = new TransactionTemplate(transactionManager);
    this.templates = templates;
  }

  @PreAuthorize("hasAuthority('SCOPE_rollouts:read')")
  public Optional<OtaJob> find(String id) {
    return Ids.parse(id).flatMap(uuid -> jobs.findById(tenants.organizationId(), uuid));
  }

  /**
   * Validates the request and its plan, then inserts the job with its plan and starts its workflow
   * in one transaction: when the start fails the insert rolls back, so no job exists without a
   * workflow. When the organization requires a separate approver, the rollout waits for approval
   * whatever the plan says.
   *
   * <p>The opposite case (workflow started, commit failed) leaves a workflow whose job row does not
   * exist; the rollout's first activity finds no job and ends it.
   */
  @PreAuthorize("hasAuthority('SCOPE_rollouts:write')")
  public OtaJob create(RolloutPlanInput.CreateOTAJob request) {
    RolloutPlanInput.CreateOTAJob input =
        request.templateId() == null
            ? request
            : request.over(templates.require(request.templateId()).input());
    String productId = input.productId();
    String targetVersion = input.targetVersion();
    String deviceGroupId = input.deviceGroupId();
    Integer maxInFlight = input.maxInFlight();
    Product product = products.require(productId);
    int inFlight = maxInFlight == null ? DEFAULT_MAX_IN_FLIGHT : maxInFlight;
    if (inFlight < 1 || inFlight > MAX_MAX_IN_FLIGHT) {
      throw ApiException.invalid(
          "maxInFlight must be between 1 and " + MAX_MAX_IN_FLIGHT + ", got " + inFlight);
    }
    if (targetVersion == null || targetVersion.isBlank()) {
      throw ApiException.invalid("targetVersion is required");
    }
    UUID organizationId = tenants.organizationId();
    Firmware target =
        firmware
            .findByVersion(organizationId, product.id(), targetVersion)
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.NOT_FOUND,
                        "product " + productId + " has no firmware version " + targetVersion));
    if (properties.requireSignedFirmware() && target.signature() == null) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "firmware "
              + targetVersion
              + " is not signed yet: its delta build signs it first (see deltaBuildStatus)");
    }
    if (jobs.firmwareInvalidatedAt(organizationId, target.id()).isPresent()) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION, "firmware " + targetVersion + " was invalidated");
    }
    RolloutPlan plan = RolloutPlans.build(input, inFlight);
    if (!plan.requireApproval() && access.requiresSeparateApprover(organizationId)) {
      // Separation of duties: the organization wants every rollout approved by a second person.
      plan = plan.withRequireApproval(true);
    }
    Duration deviceTimeout = properties.deviceTimeout();
    if (input.deviceTimeoutSeconds() != null) {
      if (input.deviceTimeoutSeconds() < 1) {
        throw ApiException.invalid("deviceTimeoutSeconds must be at least 1");
      }
      deviceTimeout =
          RolloutPlans.seconds(
              input.deviceTimeoutSeconds(),
              "deviceTimeoutSeconds",
              RolloutPlans.MAX_DEVICE_TIMEOUT);
    }
    // A stage of a group the product does not have would assign nobody and end at once.
    requireGroups(organizationId, product.id(), plan);
    Duration timeout = deviceTimeout;
    DeviceGroup group = null;
    int totalDevices;
    if (deviceGroupId != null) {
      group =
          Ids.parse(deviceGroupId)
              .flatMap(id -> devices.findGroup(organizationId, id))
              .filter(g -> g.productId().equals(product.id()))
              .orElseThrow(() -> ApiException.notFound("device group", deviceGroupId));
      totalDevices = devices.countTargets(organizationId, product.id(), group.id(), targetVersion);
      if (totalDevices == 0) {
        throw new ApiException(
            ErrorCode.FAILED_PRECONDITION,
            "device group " + deviceGroupId + " has no devices not locked to another version");
      }
    } else {
      totalDevices = devices.countTargets(organizationId, product.id(), null, targetVersion);
      if (totalDevices == 0) {
        throw new ApiException(
            ErrorCode.FAILED_PRECONDITION,
            "product " + productId + " has no devices not locked to another version");
      }
    }
    UUID jobId = UUID.randomUUID();
    String workflowId = TaskQueues.rolloutWorkflowId(jobId.toString());
    OtaJob draft =
        new OtaJob(
            jobId,
            product.id(),
            target.id(),
            target.version(),
            group == null ? null : group.id(),
            RolloutStatus.SCHEDULED.name(),
            inFlight,
            workflowId,
            totalDevices,
            null,
            null,
            null,
            Callers.current().actor(),
            null);
    RolloutPlan startPlan = plan;
    UUID targetGroupId = group == null ? null : group.id();
    boolean allowDowngrade = Boolean.TRUE.equals(input.allowDowngrade());
    if (!allowDowngrade) {
      // A device on a newer version would refuse the older build; say so before anything starts.
      List<String> newer =
          devices.versionsOfTargets(organizationId, product.id(), targetGroupId).stream()
              .filter(v -> FirmwareVersion.isDowngrade(v, target.version()))
              .sorted(FirmwareVersion.ORDER)
              .toList();
      if (!newer.isEmpty()) {
        throw new ApiException(
            ErrorCode.FAILED_PRECONDITION,
            "targets run "
                + newer
                + ", newer than "
                + target.version()
                + ": set allowDowngrade to take them back to the older build deliberately");
      }
    }
    RolloutPlanInput.DataPolicy dataPolicy =
        input.dataPolicy() == null ? RolloutPlanInput.DataPolicy.NONE : input.dataPolicy();
    if (dataPolicy == RolloutPlanInput.DataPolicy.DEFER && startPlan.expiry() == null) {
      // A deferred device waits as an offline one does, which only a rollout with an expiry does.
      throw new ApiException(
          ErrorCode.INVALID_ARGUMENT,
          "dataPolicy DEFER needs expiresAfterSeconds: a deferred device waits, for the next"
              + " month or an override, until the rollout expires");
    }
    return transaction.execute(
        status -> {
          // A plan that waits starts when the older rollouts holding its devices have finished.
          if (!startPlan.waitForDevices()) {
            requireDevicesFree(organizationId, product.id(), targetGroupId);
          }
          OtaJob job = jobs.insert(organizationId, draft);
          if (allowDowngrade) {
            jobs.allowDowngrade(organizationId, job.id());
          }
          if (dataPolicy != RolloutPlanInput.DataPolicy.NONE) {
            jobs.dataPolicy(organizationId, job.id(), dataPolicy);
          }
          jobs.savePlan(organizationId, job.id(), RolloutPlans.toJson(startPlan));
          start(job, startPlan, timeout);
          return job;
        });
  }

  private void start(OtaJob job, RolloutPlan plan, Duration deviceTimeout) {
    RolloutWorkflow workflow =
        workflows.newWorkflowStub(
            RolloutWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(job.workflowId())
                .setTaskQueue(TaskQueues.ROLLOUT)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .build());
    RolloutRequest request =
        new RolloutRequest(
                job.id().toString(), job.maxInFlight(), deviceTimeout, properties.pageSize(), plan)
            .withDeliveryHeartbeat(properties.deliveryHeartbeat())
            .withDeliverySlice(properties.deliverySlice());
    try {
      WorkflowClient.start(workflow::run, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new ApiException(
          ErrorCode.ALREADY_EXISTS, "rollout " + job.workflowId() + " already exists", e);
    } catch (RuntimeException e) {
      log.warn("rollout start failed workflowId={}", job.workflowId(), e);
      throw new ApiException(
          ErrorCode.INTERNAL, "the rollout could not be started; no job was created", e);
    }
    log.info("rollout started workflowId={} devices={}", job.workflowId(), job.totalDevices());
  }

  /** An operator control: approve, pause, resume, promote, cancel or retry failed devices. */
  public enum Control {
    APPROVE,
    PAUSE,
    RESUME,
    PROMOTE,
    CANCEL,
    CANCEL_AND_ROLL_BACK,
    RETRY_FAILED
  }

  /**
   * Sends a control to the job's workflow. An unknown job is NOT_FOUND; a job whose status is final
   * (or whose workflow no longer runs) cannot be controlled: FAILED_PRECONDITION.
   */
  @PreAuthorize(
      "#control.name() == 'APPROVE' ? hasAuthority('SCOPE_rollouts:approve')"
          + " : hasAuthority('SCOPE_rollouts:write')")
  public OtaJob control(String jobId, Control control) {
    OtaJob job = find(jobId).orElseThrow(() -> ApiException.notFound("rollout", jobId));
    requireRunning(job);
    if (control == Control.APPROVE) {
      String approver = Callers.current().actor();
      UUID organizationId = tenants.organizationId();
      if (access.requiresSeparateApprover(organizationId) && approver.equals(job.createdBy())) {
        throw new ApiException(
            ErrorCode.FORBIDDEN,
            "separation of duties: rollout "
                + job.id()
                + " was created by "
                + approver
                + " and must be approved by someone else");
      }
      jobs.recordApproval(organizationId, job.id(), approver);
    }
    signal(
        job,
        workflow -> {
          switch (control) {
            case APPROVE -> workflow.approve();
            case PAUSE -> workflow.pause();
            case RESUME -> workflow.resume();
            case PROMOTE -> workflow.promote();
            case CANCEL -> workflow.cancel(false);
            case CANCEL_AND_ROLL_BACK -> workflow.cancel(true);
            case RETRY_FAILED -> workflow.retryFailed();
          }
        });
    log.info("rollout control sent workflowId={} control={}", job.workflowId(), control);
    return job;
  }

  /**
   * Lets devices a running rollout deferred for their SIM's data cap be offered now, past the cap:
   * their results are marked overridden (the workers then skip the cap check for them) and the
   * rollout is told, as when waiting devices connect, so it offers them at once. Names 1 to 1000
   * devices; returns how many of them were deferred and are now released. A device of the job that
   * is not deferred is left as it is (its offer may have happened meanwhile).
   */
  @PreAuthorize("hasAuthority('SCOPE_rollouts:write')")
  public int overrideDataCap(OtaJob job, List<String> deviceIds) {
    if (deviceIds == null || deviceIds.isEmpty() || deviceIds.size() > 1000) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "deviceIds must name 1 to 1000 devices");
    }
    requireRunning(job);
    int released = jobs.overrideDataCap(tenants.organizationId(), job.id(), deviceIds);
    if (released > 0) {
      signal(job, RolloutWorkflow::devicesOnline);
    }
    log.info("data cap overridden workflowId={} devices={}", job.workflowId(), released);
    return released;
  }

  /**
   * Takes every device an ended rollout changed back to its previous version, as the rollout's
   * rollback stage in a run of its own ({@code rollout/{job}/rollback}): each device gets its
   * previous build's signed manifest and a signed downgrade grant, and the job ends ROLLED_BACK. A
   * running rollout is rolled back by cancelOTAJob with rollback. A rollout can be rolled back in
   * parts (stage by stage, or by device lists), each part a rollback stage of its own; a device is
   * taken back once.
   */
  @PreAuthorize("hasAuthority('SCOPE_rollouts:write')")
  public OtaJob rollBack(
      String jobId,
      List<String> stageNames,
      List<String> deviceIds,
      List<RolloutPlanInput.Stage> rollbackStages) {
    OtaJob job = find(jobId).orElseThrow(() -> ApiException.notFound("rollout", jobId));
    UUID organizationId = tenants.organizationId();
    RolloutStatus status = RolloutStatus.valueOf(job.status());
    if (!status.isFinal()) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "rollout " + jobId + " is " + status + ": cancelOTAJob with rollback rolls it back");
    }
    RolloutPlan stored =
        RolloutPlans.fromJson(jobs.plans(organizationId, List.of(job.id())).get(job.id()))
            .orElseGet(() -> RolloutPlan.singleStage(job.maxInFlight()));
    // This rollback's own staging, when given, in place of the plan's.
    RolloutPlan plan =
        rollbackStages == null
            ? stored
            : stored.withRollbackStages(
                RolloutPlans.rollbackStages(rollbackStages, job.maxInFlight()));
    requireGroups(organizationId, job.productId(), plan.rollbackStages());
    Integer[] scopeStages = null;
    if (stageNames != null) {
      List<String> names = plan.stages().stream().map(StagePlan::name).toList();
      scopeStages = new Integer[stageNames.size()];
      for (int i = 0; i < stageNames.size(); i++) {
        int index = names.indexOf(stageNames.get(i));
        if (index < 0) {
          throw new ApiException(
              ErrorCode.NOT_FOUND,
              "rollout "
                  + jobId
                  + " has no stage named "
                  + stageNames.get(i)
                  + "; it has "
                  + names);
        }
        scopeStages[i] = index;
      }
    }
    if (deviceIds != null && deviceIds.size() > Pagination.MAX_SIZE) {
      throw ApiException.invalid("at most " + Pagination.MAX_SIZE + " devices per rollback");
    }
    String[] scopeDevices = deviceIds == null ? null : deviceIds.toArray(String[]::new);
    if (jobs.changedDevices(
            organizationId, job.id(), job.targetVersion(), scopeStages, scopeDevices)
        == 0) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "rollout "
              + jobId
              + " changed no device "
              + (scopeStages == null && scopeDevices == null ? "" : "of that scope ")
              + "that is not back already");
    }
    Integer[] stagesInScope = scopeStages;
    int rollbackStage = jobs.nextStageIndex(organizationId, job.id(), plan.stages().size());
    String workflowId = TaskQueues.rollbackWorkflowId(job.id().toString(), rollbackStage);
    return transaction.execute(
        tx -> {
          requireDevicesFree(organizationId, job.productId(), job.deviceGroupId());
          if (!jobs.reopenForRollback(
              organizationId,
              job.id(),
              job.status(),
              workflowId,
              stagesInScope,
              scopeDevices,
              rollbackReason(stageNames, deviceIds))) {
            throw new ApiException(
                ErrorCode.FAILED_PRECONDITION,
                "rollout " + jobId + " changed meanwhile; try again");
          }
          RolloutWorkflow workflow =
              workflows.newWorkflowStub(
                  RolloutWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setWorkflowId(workflowId)
                      .setTaskQueue(TaskQueues.ROLLOUT)
                      .setWorkflowIdReusePolicy(
                          WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                      .build());
          try {
            WorkflowClient.start(
                workflow::run,
                new RolloutRequest(
                    job.id().toString(),
                    job.maxInFlight(),
                    properties.deviceTimeout(),
                    properties.pageSize(),
                    plan,
                    true,
                    rollbackStage,
                    properties.deliveryHeartbeat(),
                    0));
          } catch (WorkflowExecutionAlreadyStarted e) {
            throw new ApiException(
                ErrorCode.FAILED_PRECONDITION,
                "rollout " + jobId + " is being rolled back already; try again when it ended");
          }
          log.info("rollout rollback started job={} workflowId={}", job.id(), workflowId);
          return find(jobId).orElse(job);
        });
  }

  /**
   * Changes a rollout that waits for its start time: its start, maintenance window or stages. The
   * new plan is checked as a new rollout's is, handed to the workflow as an update (which refuses
   * it once the start time came, or the rollout was stopped) and stored in the same transaction, so
   * the stored plan is always the one the workflow runs.
   */
  @PreAuthorize("hasAuthority('SCOPE_rollouts:write')")
  public OtaJob update(RolloutPlanInput.UpdateOTAJob change) {
    OtaJob job =
        find(change.jobId()).orElseThrow(() -> ApiException.notFound("rollout", change.jobId()));
    if (!RolloutStatus.SCHEDULED.name().equals(job.status())) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "rollout " + job.id() + " is " + job.status() + ": only a scheduled rollout can change");
    }
    if (change.startAt() == null && change.maintenanceWindow() == null && change.stages() == null) {
      throw ApiException.invalid("nothing to change: give startAt, maintenanceWindow or stages");
    }
    UUID organizationId = tenants.organizationId();
    RolloutPlan stored =
        RolloutPlans.fromJson(jobs.plans(organizationId, List.of(job.id())).get(job.id()))
            .orElseGet(() -> RolloutPlan.singleStage(job.maxInFlight()));
    RolloutPlan next = RolloutPlans.replan(stored, change, job.maxInFlight());
    requireGroups(organizationId, job.productId(), next);
    return transaction.execute(
        tx -> {
          jobs.savePlan(organizationId, job.id(), RolloutPlans.toJson(next));
          RolloutWorkflow workflow =
              workflows.newWorkflowStub(RolloutWorkflow.class, job.workflowId());
          try {
            workflow.replan(next);
          } catch (WorkflowUpdateException e) {
            throw new ApiException(
                ErrorCode.FAILED_PRECONDITION,
                "rollout " + job.id() + " left its schedule meanwhile: its plan is fixed");
          }
          log.info("rollout replanned job={}", job.id());
          return job;
        });
  }

  /**
   * A device belongs to one open rollout at a time: two rollouts offering it would each replace the
   * other's update on the device. Takes the product's rollout lock for the rest of the transaction,
   * so two rollouts created at once cannot both find the devices free.
   *
   * @throws ApiException CONFLICT naming the unfinished rollouts that hold some of the devices
   */
  private void requireDevicesFree(UUID organizationId, UUID productId, UUID groupId) {
    jobs.lockProductForRollouts(productId);
    List<UUID> holding = jobs.unfinishedJobsSharingDevices(organizationId, productId, groupId);
    if (!holding.isEmpty()) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "devices of this rollout are in unfinished rollout(s) "
              + holding
              + ": cancel them or wait until they finish");
    }
  }

  /** What an ended rollout's rollback says as its stop reason: who asked, for what. */
  private static String rollbackReason(List<String> stageNames, List<String> deviceIds) {
    String scope =
        stageNames == null && deviceIds == null
            ? "every device it changed"
            : (stageNames == null ? "" : "stages " + stageNames)
                + (stageNames != null && deviceIds != null ? " and " : "")
                + (deviceIds == null ? "" : deviceIds.size() + " listed devices");
    String text = "rolled back after it ended by " + Callers.current().actor() + ": " + scope;
    return text.length() > 1000 ? text.substring(0, 1000) : text;
  }

  private void requireGroups(UUID organizationId, UUID productId, RolloutPlan plan) {
    requireGroups(organizationId, productId, plan.stages());
    requireGroups(organizationId, productId, plan.rollbackStages());
  }

  private void requireGroups(UUID organizationId, UUID productId, List<StagePlan> stages) {
    for (StagePlan stage : stages) {
      if (stage.selection().kind() == StageSelection.Kind.GROUP
          && !devices.groupNameExists(organizationId, productId, stage.selection().group())) {
        throw new ApiException(
            ErrorCode.NOT_FOUND,
            "stage "
                + stage.name()
                + ": the product has no device group named "
                + stage.selection().group());
      }
    }
  }

  /** What invalidating a firmware did: the firmware's id and the jobs told to abort. */
  public record Invalidation(UUID firmwareId, List<OtaJob> abortedJobs) {}

  /**
   * Marks the firmware invalid, then tells every unfinished job that uses it (found in PostgreSQL,
   * never in Temporal's visibility) to abort. Repeating it is harmless.
   */
  @PreAuthorize("hasAuthority('SCOPE_firmware:write')")
  public Invalidation invalidateFirmware(String firmwareId, String reason) {
    UUID organizationId = tenants.organizationId();
    UUID id =
        Ids.parse(firmwareId).orElseThrow(() -> ApiException.notFound("firmware", firmwareId));
    String why = reason == null || reason.isBlank() ? "firmware invalidated" : reason;
    if (!jobs.invalidateFirmware(organizationId, id, why)) {
      throw ApiException.notFound("firmware", firmwareId);
    }
    List<OtaJob> unfinished = jobs.unfinishedJobsOfFirmware(organizationId, id);
    for (OtaJob job : unfinished) {
      try {
        signal(job, workflow -> workflow.abort("firmware invalidated: " + why));
      } catch (ApiException e) {
        // The workflow already ended; its final status reaches PostgreSQL by itself.
        log.info("invalidated firmware's job already ended workflowId={}", job.workflowId());
      }
    }
    log.info("firmware invalidated firmware={} jobsAborted={}", id, unfinished.size());
    return new Invalidation(id, unfinished);
  }

  private static void requireRunning(OtaJob job) {
    RolloutStatus status = RolloutStatus.valueOf(job.status());
    if (status.isFinal()) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "rollout " + job.id() + " is " + status + " and can no longer be controlled");
    }
  }

  private void signal(OtaJob job, Consumer<RolloutWorkflow> send) {
    RolloutWorkflow workflow = workflows.newWorkflowStub(RolloutWorkflow.class, job.workflowId());
    try {
      send.accept(workflow);
    } catch (WorkflowNotFoundException e) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION, "rollout " + job.id() + " is no longer running", e);
    }
  }
}
