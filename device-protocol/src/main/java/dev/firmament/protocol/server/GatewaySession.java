package dev.firmament.protocol.server;

import dev.firmament.protocol.Topics;
import java.util.function.LongConsumer;

/**
 * What the gateway knows about one device: its current delivery, where that delivery's transfer
 * stands ({@link TransferWindow}), which of its reports count ({@link ReportFilter}), and when it
 * last made progress (for the {@link StallSweeper}).
 *
 * <p>A session is open from the offer until a terminal report, a cancel, or a newer update for the
 * device; it transfers from the offer until the device has all bytes or the delivery ends. Not
 * thread-safe: the gateway uses it from its event loop.
 */
final class GatewaySession {

  private final Delivery delivery;
  private final String statusTopic;
  private final String cmdTopic;
  private final String dataTopic;
  private final TransferWindow window;
  private final ReportFilter reports;
  private boolean open;
  private boolean transferring;
  private boolean directSubscribed;
  private long lastProgressNanos;
  private int stalls;
  private final SignedRanges signed;
  private long pushed;
  private long linkRefreshedAt = -1;

  /**
   * Opens a session that transfers from now on.
   *
   * @param window chunks in flight at most
   * @param inFlightChange receives every change of this transfer's bytes in flight
   * @param nowNanos the current {@link System#nanoTime()}
   */
  GatewaySession(Delivery delivery, int window, LongConsumer inFlightChange, long nowNanos) {
    this.delivery = delivery;
    this.statusTopic = Topics.status(delivery.deviceId());
    this.cmdTopic = Topics.cmd(delivery.deviceId());
    this.dataTopic = Topics.data(delivery.deviceId());
    this.window =
        new TransferWindow(
            delivery.artifact().size(), delivery.artifact().chunkSize(), window, inFlightChange);
    this.reports = new ReportFilter(delivery.updateId());
    this.signed = pushes() ? null : new SignedRanges(delivery.artifact().size());
    this.open = true;
    this.transferring = true;
    this.lastProgressNanos = nowNanos;
  }

  String deviceId() {
    return delivery.deviceId();
  }

  String updateId() {
    return delivery.updateId();
  }

  Delivery delivery() {
    return delivery;
  }

  String statusTopic() {
    return statusTopic;
  }

  String cmdTopic() {
    return cmdTopic;
  }

  String dataTopic() {
    return dataTopic;
  }

  /** Whether the gateway pushes the bytes (MQTT); else the device downloads them (HTTPS). */
  boolean pushes() {
    return delivery.links() == null;
  }

  /** The links signed for a device that downloads over HTTPS; null for a pushed delivery. */
  SignedRanges signed() {
    return signed;
  }

  /** Chunk payload bytes pushed, re-sent ones included. */
  void pushed(int bytes) {
    pushed += bytes;
  }

  /** The server's count of the bytes so far: pushed (MQTT) or signed for (HTTPS). */
  long served() {
    return signed == null ? pushed : signed.total();
  }

  /**
   * Whether the device's request for a fresh link at {@code offset} is the first at that offset;
   * copies of one request do not sign several links.
   */
  boolean firstLinkRequestAt(long offset) {
    if (linkRefreshedAt == offset) {
      return false;
    }
    linkRefreshedAt = offset;
    return true;
  }

  TransferWindow window() {
    return window;
  }

  ReportFilter reports() {
    return reports;
  }

  boolean isOpen() {
    return open;
  }

  boolean isTransferring() {
    return transferring;
  }

  boolean isDirectSubscribed() {
    return directSubscribed;
  }

  void directSubscribed(boolean subscribed) {
    this.directSubscribed = subscribed;
  }

  /**
   * Ends the transfer (the device has all bytes, or the delivery ended): nothing stays in flight.
   *
   * @return whether it was transferring until now
   */
  boolean endTransfer() {
    if (!transferring) {
      return false;
    }
    window.settle();
    transferring = false;
    return true;
  }

  /**
   * Closes the session; its transfer must have ended.
   *
   * @return whether it was open until now
   */
  boolean close() {
    if (!open) {
      return false;
    }
    open = false;
    return true;
  }

  /** The delivery moved (bytes acknowledged, or a new state): it is not stalled. */
  void progressed(long nowNanos) {
    lastProgressNanos = nowNanos;
    stalls = 0;
  }

  /**
   * Restarts the stall clock without forgiving earlier stalls: time spent waiting for the byte
   * budget is not a stall, but it is no progress either.
   */
  void restartStallClock(long nowNanos) {
    lastProgressNanos = nowNanos;
  }

  /** The stall sweeper re-offered this delivery. */
  void stalled(long nowNanos) {
    stalls++;
    lastProgressNanos = nowNanos;
  }

  long lastProgressNanos() {
    return lastProgressNanos;
  }

  /** Re-offers since the last progress. */
  int stalls() {
    return stalls;
  }
}
