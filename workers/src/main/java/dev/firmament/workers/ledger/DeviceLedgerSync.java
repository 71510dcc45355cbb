package dev.firmament.workers.ledger;

import dev.firmament.protocol.LedgerAck;
import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.LedgerSync;
import dev.firmament.protocol.LedgerWrite;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceLedgerReport;
import dev.firmament.workers.device.IngestQueue;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Answers what devices publish on their ledger topics (docs/device-protocol.md, "Ledgers").
 *
 * <ul>
 *   <li>A sync request is answered with a copy of every cloud-to-device instance that applies to
 *       the device at a higher version than the one it holds, a removal of every copy it holds that
 *       no longer applies, and an acknowledgement of the stored version of every device-to-cloud
 *       ledger it named (a refusal for a name that is none).
 *   <li>A write is stored when its version is higher than the stored one (a stale or repeated one
 *       changes nothing) and acknowledged with the version stored afterwards, so a device that
 *       resends after a reconnect learns its write arrived.
 * </ul>
 *
 * A device may send {@value #BURST} messages at once and one a second on average (a sync at each
 * connect and its writes); what goes over, or over the queue of {@value #QUEUE} messages, is
 * dropped and counted ({@link IngestQueue}, as for events and telemetry), and the device tries
 * again at its next connect. One thread does the database work, off the gateway's event thread.
 */
@Component
public class DeviceLedgerSync implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(DeviceLedgerSync.class);
  static final int BURST = 20;

  /**
   * Room for a fleet's reconnect: each device syncs its ledgers when it connects, and 10,000
   * devices connecting at once overflowed a queue of 10,000 (measured: 7,000 syncs dropped).
   */
  static final int QUEUE = 100_000;

  private static final double RATE_PER_SECOND = 1;

  private final LedgerRecords records;
  private final DeviceGateway gateway;
  private final IngestQueue<DeviceLedgerReport> queue;

  public DeviceLedgerSync(DSLContext dsl, DeviceGateway gateway) {
    this.records = new LedgerRecords(dsl);
    this.gateway = gateway;
    this.queue =
        new IngestQueue<>(
            "device ledger messages",
            "firmament.ledgers",
            RATE_PER_SECOND,
            BURST,
            QUEUE,
            batch -> batch.forEach(this::handleOne));
    gateway.onLedger(report -> queue.accept(report.deviceId(), false, report));
  }

  /** Messages dropped so far: over a device's rate or over the queue. */
  public long dropped() {
    return queue.overRate() + queue.overQueue();
  }

  /** One message of a batch: a failure is logged and the batch goes on. */
  private void handleOne(DeviceLedgerReport report) {
    try {
      handle(report);
    } catch (RuntimeException e) {
      log.error("device ledger message not handled device={} error={}", report.deviceId(), e);
    }
  }

  /** Handles one message: reads and writes the database, then answers the device. */
  void handle(DeviceLedgerReport report) {
    Optional<LedgerRecords.Device> device = records.device(report.deviceId());
    if (device.isEmpty()) {
      log.debug("ignoring ledger message of unregistered device {}", report.deviceId());
      return;
    }
    switch (report.message()) {
      case LedgerSync sync -> sync(device.get(), sync);
      case LedgerWrite write -> write(device.get(), write);
    }
  }

  private void sync(LedgerRecords.Device device, LedgerSync sync) {
    Map<String, LedgerCopy> copies = records.copiesFor(device);
    copies.forEach(
        (name, copy) -> {
          Long held = sync.copies().get(name);
          if (held == null || held < copy.version()) {
            gateway.sendLedger(device.id(), copy);
          }
        });
    sync.copies().keySet().stream()
        .filter(name -> !copies.containsKey(name))
        .sorted()
        .forEach(
            name ->
                gateway.sendLedger(device.id(), LedgerCopy.removal(name, records.nextVersion())));
    Map<String, Long> stored = records.storedWrites(device, sync.writes().keySet());
    sync.writes().keySet().stream()
        .sorted()
        .forEach(name -> gateway.sendLedger(device.id(), ack(name, stored.get(name))));
  }

  private void write(LedgerRecords.Device device, LedgerWrite write) {
    Optional<Long> stored = records.storeWrite(device, write);
    gateway.sendLedger(device.id(), ack(write.name(), stored.orElse(null)));
  }

  private static LedgerAck ack(String name, Long stored) {
    return stored == null
        ? new LedgerAck(name, 0, "no device-to-cloud ledger " + name + " in the organization")
        : LedgerAck.of(name, stored);
  }

  @Override
  public void destroy() throws InterruptedException {
    queue.stop();
  }
}
