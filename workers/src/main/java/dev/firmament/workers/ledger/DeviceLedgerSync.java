package dev.firmament.workers.ledger;

import dev.firmament.protocol.LedgerAck;
import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.LedgerSync;
import dev.firmament.protocol.LedgerWrite;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceLedgerReport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * dropped and counted, and the device tries again at its next connect. One thread does the database
 * work, off the gateway's event thread.
 */
@Component
public class DeviceLedgerSync implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(DeviceLedgerSync.class);
  static final int BURST = 20;
  static final int QUEUE = 10_000;
  private static final double RATE_PER_SECOND = 1;
  private static final int MAX_TRACKED_DEVICES = 200_000;

  private final LedgerRecords records;
  private final DeviceGateway gateway;
  private final BlockingQueue<DeviceLedgerReport> queue = new ArrayBlockingQueue<>(QUEUE);
  private final Thread worker;
  private volatile boolean stopping;
  private final AtomicLong dropped = new AtomicLong();

  /** Tokens per device, least recently used first; touched only on the gateway's event thread. */
  private final Map<String, double[]> buckets =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
          return size() > MAX_TRACKED_DEVICES;
        }
      };

  public DeviceLedgerSync(DSLContext dsl, DeviceGateway gateway) {
    this.records = new LedgerRecords(dsl);
    this.gateway = gateway;
    this.worker = new Thread(this::run, "device-ledger-sync");
    worker.setDaemon(true);
    worker.start();
    gateway.onLedger(this::accept);
  }

  /** Messages dropped so far: over a device's rate or over the queue. */
  public long dropped() {
    return dropped.get();
  }

  void accept(DeviceLedgerReport report) {
    long now = System.nanoTime();
    double[] bucket = buckets.computeIfAbsent(report.deviceId(), id -> new double[] {BURST, now});
    bucket[0] = Math.min(BURST, bucket[0] + (now - (long) bucket[1]) / 1e9 * RATE_PER_SECOND);
    bucket[1] = now;
    if (bucket[0] < 1 || !queue.offer(report)) {
      if (dropped.incrementAndGet() % 1000 == 1) {
        log.warn(
            "device ledger messages dropped device={} total={}", report.deviceId(), dropped.get());
      }
      return;
    }
    bucket[0] -= 1;
  }

  private void run() {
    while (!stopping || !queue.isEmpty()) {
      DeviceLedgerReport report;
      try {
        report = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (report == null) {
        continue;
      }
      try {
        handle(report);
      } catch (RuntimeException e) {
        log.error("device ledger message not handled device={} error={}", report.deviceId(), e);
      }
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
    stopping = true;
    worker.join(5_000);
  }
}
