package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Which operator decision each stage of a rollout waited for, read from the accepted controls in
 * the audit log. The workflow counts approvals and spends them in the order it waits (the start,
 * when the plan requires approval, then each update stage that advances on approval), so the n-th
 * accepted {@code approveOTAJob} released the n-th wait. A promotion belongs to the stage whose
 * soak it fell in.
 */
final class StageTimelines {
  private StageTimelines() {}

  /** An accepted control: who sent it and when. */
  record Decision(String actor, OffsetDateTime at) {}

  /** The approval that released the rollout's start (null when it needed none or got none yet). */
  static Decision startApproval(RolloutPlan plan, List<Decision> approvals) {
    return plan != null && plan.requireApproval() && !approvals.isEmpty()
        ? approvals.getFirst()
        : null;
  }

  /**
   * The stages with the approval that released each and the promotion that ended its soak.
   *
   * @param plan the stored plan; null for a job from before plans were stored (no approvals)
   * @param stages the job's stages by index, planned and recorded
   * @param approvals accepted approveOTAJob controls, oldest first
   * @param promotions accepted promoteOTAJob controls, oldest first
   */
  static List<OtaStage> decide(
      RolloutPlan plan,
      List<OtaStage> stages,
      List<Decision> approvals,
      List<Decision> promotions) {
    Deque<Decision> unspent = new ArrayDeque<>(approvals);
    if (plan != null && plan.requireApproval()) {
      unspent.pollFirst();
    }
    List<OtaStage> decided = new ArrayList<>(stages.size());
    for (OtaStage stage : stages) {
      Decision approval = null;
      if (plan != null
          && "UPDATE".equals(stage.kind())
          && stage.index() < plan.stages().size()
          && plan.stages().get(stage.index()).advance() == AdvanceMode.APPROVAL) {
        approval = unspent.pollFirst();
      }
      decided.add(stage.withDecisions(approval, promotion(stage, promotions)));
    }
    return decided;
  }

  /** The first promotion sent while the stage soaked, if any. */
  private static Decision promotion(OtaStage stage, List<Decision> promotions) {
    if (stage.soakStartedAt() == null) {
      return null;
    }
    for (Decision promotion : promotions) {
      if (!promotion.at().isBefore(stage.soakStartedAt())
          && (stage.finishedAt() == null || !promotion.at().isAfter(stage.finishedAt()))) {
        return promotion;
      }
    }
    return null;
  }
}
