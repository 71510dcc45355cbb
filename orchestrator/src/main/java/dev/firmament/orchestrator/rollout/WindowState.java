package dev.firmament.orchestrator.rollout;

/**
 * Where a maintenance window stands at one instant (epoch milliseconds).
 *
 * @param open whether updates may start now
 * @param opensAt when the current window opened (open) or the next one opens (closed)
 * @param closesAt when the current (or next) window closes
 */
public record WindowState(boolean open, long opensAt, long closesAt) {}
