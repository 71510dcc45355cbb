package dev.firmament.protocol.server;

import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.StatusReport;

/**
 * Which of a device's status reports the gateway acts on, and which of those its listeners see. One
 * filter belongs to one delivery (one update for one device).
 *
 * <p>{@link #admit} drops reports for another update (a stale or forged attempt) and exact copies
 * of a report already seen: a worker that is in the shared subscription group and subscribed to the
 * device's topic directly receives each report twice, and QoS 1 may redeliver. Each report carries
 * its send time, so only copies of one message repeat. {@link #forward} then passes on the first
 * report of each state, in the order of a successful update, and one terminal state.
 *
 * <p>Not thread-safe: the gateway uses it from its event loop.
 */
final class ReportFilter {

  /** What {@link #admit} decided about a report. */
  enum Verdict {
    /** A new report for this delivery's update. */
    ACCEPTED,
    /** A report for another update of the device: stale, or forged. */
    OTHER_UPDATE,
    /** An exact copy of one of the device's recent reports. */
    DUPLICATE
  }

  /** How many recent reports are remembered to recognise copies. */
  static final int REMEMBERED_REPORTS = 64;

  private final String updateId;
  private final long[] recent = new long[REMEMBERED_REPORTS];
  private int recentCount;
  private DeviceState lastForwarded;

  ReportFilter(String updateId) {
    this.updateId = updateId;
  }

  /**
   * Whether the gateway acts on {@code report}, decoded from {@code payload}. An accepted payload
   * is remembered, so its copies are recognised.
   */
  Verdict admit(StatusReport report, byte[] payload) {
    if (!updateId.equals(report.updateId())) {
      return Verdict.OTHER_UPDATE;
    }
    long fingerprint = fingerprint(payload);
    int n = Math.min(recentCount, REMEMBERED_REPORTS);
    for (int i = 0; i < n; i++) {
      if (recent[i] == fingerprint) {
        return Verdict.DUPLICATE;
      }
    }
    recent[recentCount++ % REMEMBERED_REPORTS] = fingerprint;
    return Verdict.ACCEPTED;
  }

  /**
   * Whether listeners see a report of {@code state}; if so, it becomes the last state passed on.
   */
  boolean forward(DeviceState state) {
    if (!advances(lastForwarded, state)) {
      return false;
    }
    lastForwarded = state;
    return true;
  }

  /** The last state passed on to listeners, or null before the first. */
  DeviceState lastForwarded() {
    return lastForwarded;
  }

  /**
   * Whether {@code next} comes after {@code last} for listeners: the first of each state, in the
   * order of a successful update, and one terminal state; after {@code SUCCEEDED} only a {@code
   * ROLLED_BACK} (a device that reverted after reporting success).
   */
  static boolean advances(DeviceState last, DeviceState next) {
    if (last == null) {
      return true;
    }
    if (last.isTerminal()) {
      return last == DeviceState.SUCCEEDED && next == DeviceState.ROLLED_BACK;
    }
    return next.isTerminal() || next.ordinal() > last.ordinal();
  }

  /** FNV-1a over the payload, with its length mixed into the top bits. */
  private static long fingerprint(byte[] payload) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : payload) {
      hash ^= b & 0xFF;
      hash *= 0x100000001b3L;
    }
    return hash ^ ((long) payload.length << 48);
  }
}
