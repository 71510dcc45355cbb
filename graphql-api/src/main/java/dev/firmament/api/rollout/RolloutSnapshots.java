package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.RolloutPlan;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What rollouts stand at, computed for an organization named by the caller of this class rather
 * than taken from the request: the queries' batch mappings use it, and so do live subscriptions,
 * which compute it once for all subscribers of a rollout.
 */
@Component
public class RolloutSnapshots {
  private final RolloutRepository jobs;

  public RolloutSnapshots(RolloutRepository jobs) {
    this.jobs = jobs;
  }

  /** One rollout as it stands: its row, counts, stages and estimated finish. */
  public record Snapshot(
      OtaJob job,
      JobProgress progress,
      List<StageProgress> progressByStage,
      List<OtaStage> stages,
      OffsetDateTime estimatedFinishAt) {}

  /** The rollout now, or null when the organization has no such rollout. */
  public Snapshot snapshot(UUID organizationId, UUID jobId, OffsetDateTime now) {
    OtaJob job = jobs.findById(organizationId, jobId).orElse(null);
    if (job == null) {
      return null;
    }
    List<UUID> ids = List.of(jobId);
    // One read of the results serves both the job's counts and each stage's.
    List<StageProgress.Count> staged =
        jobs.countsByStageAndState(organizationId, ids).getOrDefault(jobId, List.of());
    Map<String, Integer> counts = StageProgress.byState(staged);
    Map<UUID, List<OtaStage>> recorded = jobs.stages(organizationId, ids);
    Map<UUID, String> plans = jobs.plans(organizationId, ids);
    List<OtaStage> stages = stages(organizationId, List.of(job), recorded, plans).get(job);
    OffsetDateTime eta =
        RolloutEstimate.finish(
            job,
            counts,
            RolloutPlans.fromJson(plans.get(jobId)).orElse(null),
            recorded.getOrDefault(jobId, List.of()),
            now);
    return new Snapshot(
        job,
        JobProgress.of(job.totalDevices(), counts),
        StageProgress.of(job.totalDevices(), staged),
        stages,
        eta);
  }

  /**
   * The plan's stages, each as PostgreSQL last recorded it, or PENDING before it started; then the
   * rollback stages that ran; each with the approval that released it and the promotion that ended
   * its soak ({@link StageTimelines}).
   */
  Map<OtaJob, List<OtaStage>> stages(UUID organizationId, Collection<OtaJob> sources) {
    List<UUID> ids = sources.stream().map(OtaJob::id).toList();
    return stages(
        organizationId, sources, jobs.stages(organizationId, ids), jobs.plans(organizationId, ids));
  }

  private Map<OtaJob, List<OtaStage>> stages(
      UUID organizationId,
      Collection<OtaJob> sources,
      Map<UUID, List<OtaStage>> recorded,
      Map<UUID, String> plans) {
    List<UUID> ids = sources.stream().map(OtaJob::id).toList();
    Map<UUID, List<StageTimelines.Decision>> approvals =
        jobs.acceptedControls(organizationId, ids, "approveOTAJob");
    Map<UUID, List<StageTimelines.Decision>> promotions =
        jobs.acceptedControls(organizationId, ids, "promoteOTAJob");
    Map<OtaJob, List<OtaStage>> result = new LinkedHashMap<>();
    for (OtaJob job : sources) {
      Map<Integer, OtaStage> byIndex = new TreeMap<>();
      RolloutPlan plan = RolloutPlans.fromJson(plans.get(job.id())).orElse(null);
      if (plan != null) {
        for (int i = 0; i < plan.stages().size(); i++) {
          byIndex.put(i, OtaStage.planned(i, plan.stages().get(i).name()));
        }
      }
      for (OtaStage stage : recorded.getOrDefault(job.id(), List.of())) {
        byIndex.put(stage.index(), stage);
      }
      result.put(
          job,
          StageTimelines.decide(
              plan,
              List.copyOf(byIndex.values()),
              approvals.getOrDefault(job.id(), List.of()),
              promotions.getOrDefault(job.id(), List.of())));
    }
    return result;
  }
}
