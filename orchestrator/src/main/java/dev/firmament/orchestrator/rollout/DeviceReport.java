package dev.firmament.orchestrator.rollout;

/**
 * How one device's attempt went, as a batched delivery reports it to its stage ({@link
 * StageWorkflow#deviceReports}, {@link SliceOutcome}): a final state, or {@code QUEUED} for a
 * device that was offline when its turn came and waits for its presence without a slot.
 *
 * @param deviceId the device
 * @param attempt the attempt this report belongs to; a stage ignores a report of an attempt that is
 *     not the device's open one (a duplicate, or one it already counted)
 * @param state a terminal state, or QUEUED
 * @param errorCode the device's or the server's error code, or null
 */
public record DeviceReport(
    String deviceId, int attempt, DeviceUpdateState state, String errorCode) {}
