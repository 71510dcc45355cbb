package dev.firmament.protocol.server;

import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.DownloadLink;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.UpdateOffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All deliveries of one gateway: offers, cancels, the devices' reports and the stall sweep, applied
 * to each device's {@link GatewaySession} with the gateway's {@link ByteBudget} and {@link
 * StallSweeper}. What it sends goes through an {@link Outbox}, so the rules run without a broker.
 *
 * <p>Not thread-safe: every method but {@link #stats()} runs on the gateway's event loop.
 */
final class Deliveries {

  /** What the deliveries send. The gateway implements it over MQTT. */
  interface Outbox {

    /** Publishes a command (offer or cancel) at QoS 1; {@code what} names it in logs. */
    void command(String topic, byte[] payload, String what);

    /**
     * Publishes a chunk frame at QoS 0: the protocol's acknowledgements make transfers reliable.
     */
    void chunk(String topic, byte[] frame);

    /**
     * Subscribes to one device's status topic and then runs {@code then} on the event loop, whether
     * the subscription worked or not (the shared subscription still delivers reports).
     */
    void subscribeStatus(String topic, Runnable then);

    /** Subscribes to a status topic again after the broker lost the gateway's session. */
    void resubscribeStatus(String topic);

    void unsubscribeStatus(String topic);

    /** Passes a report on to the gateway's listeners. */
    void report(DeviceReport report);
  }

  private static final Logger log = LoggerFactory.getLogger(Deliveries.class);

  /** Devices whose last update is over but whose late reports are still recognised. */
  static final int REMEMBERED_DEVICES = 100_000;

  private final GatewayOptions options;
  private final Outbox outbox;
  private final LongSupplier nanoClock;
  private final ProtocolCodec codec = new ProtocolCodec();
  private final ByteBudget<GatewaySession> budget;
  private final long maxBytesInFlight;
  private final StallSweeper stallSweeper;
  private final AtomicInteger activeDeliveries = new AtomicInteger();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong chunksSent = new AtomicLong();
  private final UsageMeter meter = new UsageMeter();
  private volatile long bytesInFlight;

  private final Map<String, GatewaySession> sessions =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, GatewaySession> eldest) {
          return size() > REMEMBERED_DEVICES && !eldest.getValue().isOpen();
        }
      };

  /** Deliveries without a terminal report yet, in offer order. */
  private final Set<GatewaySession> open = new LinkedHashSet<>();

  /**
   * @param options window, byte budget, stall timeout and direct subscriptions
   * @param outbox where offers, chunks, cancels and reports go
   * @param nanoClock the time for stalls, {@link System#nanoTime()} outside tests
   */
  Deliveries(GatewayOptions options, Outbox outbox, LongSupplier nanoClock) {
    this.options = Objects.requireNonNull(options, "options");
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.budget = new ByteBudget<>(options.maxBytesInFlight());
    this.maxBytesInFlight = options.maxBytesInFlight();
    this.stallSweeper =
        new StallSweeper(options.stallTimeout(), budget::isWaiting, this::reofferStalled);
  }

  /** The counters; safe to call from any thread. */
  GatewayStats stats() {
    return new GatewayStats(
        activeDeliveries.get(), bytesSent.get(), chunksSent.get(), bytesInFlight, maxBytesInFlight);
  }

  /** The bytes sent to each device: the chunks counted here, ledger messages by the gateway. */
  UsageMeter meter() {
    return meter;
  }

  /** Deliveries without a terminal report yet, as {@code deviceId -> updateId}. */
  Map<String, String> openUpdates() {
    Map<String, String> updates = new LinkedHashMap<>();
    for (GatewaySession session : open) {
      updates.put(session.deviceId(), session.updateId());
    }
    return updates;
  }

  /** Deliveries without a terminal report yet. */
  int openCount() {
    return open.size();
  }

  // ---- offers and cancels ----

  /**
   * Offers an update. The same update again resumes from the device's acknowledged offset; another
   * update replaces the device's current one.
   */
  void offer(Delivery delivery) {
    GatewaySession current = sessions.get(delivery.deviceId());
    if (current != null && current.isOpen() && current.updateId().equals(delivery.updateId())) {
      // The same update again (an activity retry): resume, do not restart.
      log.info(
          "re-offering update {} to device {} from offset {}",
          delivery.updateId(),
          delivery.deviceId(),
          current.window().acked());
      if (current.isTransferring()) {
        current.window().rewindToAcknowledged();
      }
      publishOffer(current);
      return;
    }
    if (current != null && current.isOpen()) {
      log.info(
          "update {} replaces update {} on device {}",
          delivery.updateId(),
          current.updateId(),
          delivery.deviceId());
      closeDelivery(current);
    }
    GatewaySession session =
        new GatewaySession(
            delivery, options.window(), this::inFlightChanged, nanoClock.getAsLong());
    sessions.put(delivery.deviceId(), session);
    open.add(session);
    activeDeliveries.incrementAndGet();
    if (options.directStatusSubscriptions() && (current == null || !current.isDirectSubscribed())) {
      session.directSubscribed(true);
      outbox.subscribeStatus(session.statusTopic(), () -> publishOffer(session));
    } else {
      session.directSubscribed(current != null && current.isDirectSubscribed());
      publishOffer(session);
    }
  }

  private void publishOffer(GatewaySession session) {
    if (sessions.get(session.deviceId()) != session || !session.isOpen()) {
      return;
    }
    UpdateOffer offer = session.delivery().toOffer(options.window());
    if (!session.pushes()) {
      DownloadLink link;
      try {
        link = session.delivery().links().sign();
      } catch (RuntimeException e) {
        log.error(
            "cannot sign a download link for update {}; canceling it on device {}",
            session.updateId(),
            session.deviceId(),
            e);
        abandon(session);
        return;
      }
      session.signed().issued(session.window().acked());
      offer = offer.withDownload(link);
    }
    outbox.command(session.cmdTopic(), codec.encodeCommand(offer), "offer");
  }

  /** Stops a delivery whose bytes cannot be served, and tells the device to stop too. */
  private void abandon(GatewaySession session) {
    endTransfer(session);
    outbox.command(
        session.cmdTopic(), codec.encodeCommand(new CancelUpdate(session.updateId())), "cancel");
  }

  /**
   * Ends the device's delivery of {@code updateId}, if it is the current one, and tells the device.
   */
  void cancel(String deviceId, String updateId, String topic, byte[] payload) {
    GatewaySession session = sessions.get(deviceId);
    if (session != null && session.updateId().equals(updateId)) {
      closeDelivery(session);
      unsubscribeDirect(session);
    }
    log.info("canceling update {} on device {}", updateId, deviceId);
    outbox.command(topic, payload, "cancel");
  }

  // ---- reports ----

  /**
   * Applies a status report that arrived on {@code deviceId}'s topic.
   *
   * @param payload the report as received, to recognise copies
   */
  void report(String deviceId, StatusReport report, byte[] payload) {
    GatewaySession session = sessions.get(deviceId);
    if (session == null) {
      // Normal with several workers: the shared subscription hands out other workers' reports.
      log.debug(
          "dropping {} report from device {} for update {}: no update of this gateway",
          report.state(),
          deviceId,
          report.updateId());
      return;
    }
    switch (session.reports().admit(report, payload)) {
      case OTHER_UPDATE -> {
        log.warn(
            "dropping {} report from device {} for update {}: its current update is {}",
            report.state(),
            deviceId,
            report.updateId(),
            session.updateId());
        return;
      }
      case DUPLICATE -> {
        return;
      }
      case ACCEPTED -> {}
    }
    if (report.state() != DeviceState.DOWNLOADING) {
      // The device moved on: the delivery is alive even though no bytes flow any more.
      session.progressed(nanoClock.getAsLong());
    }
    if (session.isTransferring()) {
      if (report.state() == DeviceState.DOWNLOADING) {
        if (!session.pushes()) {
          session.signed().acknowledged(report.offset());
        }
        onAcknowledgement(session, report.offset());
        if (report.asksForLink()
            && !session.pushes()
            && session.firstLinkRequestAt(report.offset())) {
          log.info(
              "device {} asks for a fresh link to update {} at offset {}",
              deviceId,
              session.updateId(),
              report.offset());
          publishOffer(session);
        }
      } else {
        endTransfer(session);
      }
    }
    if (report.state().isTerminal()) {
      closeDelivery(session);
      unsubscribeDirect(session);
    }
    if (session.reports().forward(report.state())) {
      outbox.report(
          new DeviceReport(deviceId, report, session.delivery().transport(), session.served()));
    }
  }

  // ---- flow control ----

  private void onAcknowledgement(GatewaySession session, long offset) {
    TransferWindow window = session.window();
    long sentUpTo = window.next();
    switch (window.acknowledge(offset)) {
      case OUT_OF_RANGE -> {
        log.warn(
            "device {} acknowledged offset {} beyond the artifact size {}; ignoring",
            session.deviceId(),
            offset,
            session.delivery().artifact().size());
        return;
      }
      case STARTED -> {
        log.debug(
            "device {} accepted update {} at offset {}",
            session.deviceId(),
            session.updateId(),
            offset);
        session.progressed(nanoClock.getAsLong());
      }
      case ADVANCED -> session.progressed(nanoClock.getAsLong());
      case REWOUND -> {
        // The device misses bytes from this offset: it reconnected or saw a gap.
        if (sentUpTo > offset) {
          log.info(
              "device {} resumes update {} from offset {} (sent up to {})",
              session.deviceId(),
              session.updateId(),
              offset,
              sentUpTo);
        }
      }
      case REPEATED -> {}
    }
    pump(session);
    drainWaiting();
  }

  private void inFlightChanged(long delta) {
    bytesInFlight += delta;
  }

  /**
   * Sends chunks while the delivery's window allows. A delivery sends only once it holds a
   * reservation of its whole window from the gateway's byte budget: a smaller share could leave the
   * device short of its acknowledgement interval, waiting for chunks that never come.
   */
  private void pump(GatewaySession session) {
    if (!session.pushes()
        || !session.isTransferring()
        || !session.window().started()
        || !admit(session)) {
      return;
    }
    TransferWindow window = session.window();
    for (int length; (length = window.nextChunkLength()) > 0; ) {
      byte[] frame;
      try {
        frame = frame(session, window.next(), length);
      } catch (IOException | RuntimeException e) {
        log.error(
            "cannot read artifact of update {} at offset {}; canceling it on device {}",
            session.updateId(),
            window.next(),
            session.deviceId(),
            e);
        abandon(session);
        return;
      }
      outbox.chunk(session.dataTopic(), frame);
      window.sent(length);
      session.pushed(length);
      bytesSent.addAndGet(length);
      chunksSent.incrementAndGet();
      meter.ota(session.deviceId(), length);
    }
  }

  private static byte[] frame(GatewaySession session, long offset, int length) throws IOException {
    Delivery delivery = session.delivery();
    String updateId = delivery.updateId();
    int header = ProtocolCodec.chunkHeaderLength(updateId);
    byte[] frame = new byte[header + length];
    ProtocolCodec.writeChunkHeader(frame, updateId, offset);
    int filled = 0;
    while (filled < length) {
      int n = delivery.source().read(offset + filled, frame, header + filled, length - filled);
      if (n <= 0) {
        throw new IOException(
            "artifact source ended at " + (offset + filled) + " of " + delivery.artifact().size());
      }
      filled += n;
    }
    return frame;
  }

  /**
   * Whether the delivery holds its window's share of the byte budget, reserving it if it fits and
   * queueing the delivery (once) if it does not.
   */
  private boolean admit(GatewaySession session) {
    if (budget.holds(session)) {
      return true;
    }
    if (!session.isTransferring()
        || !budget.tryReserve(session, session.window().bytesToReserve())) {
      return false;
    }
    session.restartStallClock(nanoClock.getAsLong());
    return true;
  }

  /** Admits waiting deliveries, oldest first, while the budget has room. */
  private void drainWaiting() {
    for (GatewaySession head; (head = budget.firstWaiting()) != null; ) {
      if (!head.isTransferring()) {
        budget.release(head);
        continue;
      }
      if (!admit(head)) {
        return;
      }
      pump(head);
    }
  }

  private void endTransfer(GatewaySession session) {
    if (!session.endTransfer()) {
      return;
    }
    budget.release(session);
    drainWaiting();
  }

  /** Ends a delivery: a terminal report, a cancel, or a newer update for the device. */
  private void closeDelivery(GatewaySession session) {
    endTransfer(session);
    if (session.close()) {
      open.remove(session);
      activeDeliveries.decrementAndGet();
      if (!session.pushes()) {
        // The device's data usage counts the ranges signed for it, as its result does.
        meter.ota(session.deviceId(), session.served());
      }
    }
  }

  private void unsubscribeDirect(GatewaySession session) {
    if (!session.isDirectSubscribed()) {
      return;
    }
    session.directSubscribed(false);
    outbox.unsubscribeStatus(session.statusTopic());
  }

  // ---- stalls and reconnects ----

  /** Re-offers the deliveries that went quiet for the stall timeout. */
  void sweepStalls() {
    stallSweeper.sweep(open, nanoClock.getAsLong());
  }

  /**
   * Re-offers a delivery that went quiet for the stall timeout: a transfer without progress goes
   * back to the last acknowledged offset; a device that has all bytes but sent no further report
   * answers the offer by repeating its last report, which recovers reports lost on the way.
   */
  private void reofferStalled(GatewaySession session) {
    log.info(
        "update {} on device {} quiet in {} at offset {}; re-offering (attempt {})",
        session.updateId(),
        session.deviceId(),
        session.reports().lastForwarded() == null ? "OFFERED" : session.reports().lastForwarded(),
        session.window().acked(),
        session.stalls());
    if (session.isTransferring()) {
      session.window().rewindToAcknowledged();
    }
    publishOffer(session);
    pump(session);
  }

  /**
   * Resumes every open delivery after the broker lost the gateway's session: whatever was in flight
   * is gone, so each subscribes to its device again, goes back to the acknowledged offset and
   * offers again.
   */
  void resumeAll() {
    for (GatewaySession session : new ArrayList<>(open)) {
      if (session.isDirectSubscribed()) {
        outbox.resubscribeStatus(session.statusTopic());
      }
      if (session.isTransferring()) {
        session.window().rewindToAcknowledged();
      }
      publishOffer(session);
      pump(session);
    }
  }

  /** Logs the deliveries still open, for a gateway that closes. */
  void logUnfinished() {
    for (GatewaySession session : open) {
      log.info(
          "unfinished at close: update {} to device {}: accepted={} acked={} next={} size={} waiting={} reserved={} stalls={} last={}",
          session.updateId(),
          session.deviceId(),
          session.window().started(),
          session.window().acked(),
          session.window().next(),
          session.delivery().artifact().size(),
          budget.isWaiting(session),
          budget.reservedBy(session),
          session.stalls(),
          session.reports().lastForwarded());
    }
  }
}
