package dev.firmament.api.rollout;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One version of a named rollout plan ({@code RolloutTemplate}).
 *
 * @param input the plan as createOTAJob takes it, without product, version, group or start
 */
public record RolloutTemplate(
    UUID id,
    String name,
    int version,
    RolloutPlanInput.Template input,
    String createdBy,
    OffsetDateTime createdAt) {}
