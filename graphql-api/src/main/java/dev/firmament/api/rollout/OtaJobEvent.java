package dev.firmament.api.rollout;

import java.time.OffsetDateTime;

/**
 * One entry of a rollout's timeline ({@code OTAJobEvent}).
 *
 * @param kind {@code STATUS}, {@code STAGE_STARTED}, {@code STAGE_FINISHED} or {@code CONTROL}
 * @param what the new status, the stage's name (and its final status), or the control's mutation
 * @param actor who: {@code system} for what the rollout did itself, else the member or client
 * @param outcome for a control, {@code ok} or the error code it was refused with; else null
 * @param stage for a stage event, the stage's index; else null
 */
public record OtaJobEvent(
    OffsetDateTime at, String kind, String what, String actor, String outcome, Integer stage) {}
