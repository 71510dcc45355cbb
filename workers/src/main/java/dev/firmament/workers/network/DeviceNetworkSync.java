package dev.firmament.workers.network;

import dev.firmament.protocol.NetworkAck;
import dev.firmament.protocol.NetworkSync;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceNetworkReport;
import dev.firmament.workers.device.IngestQueue;
import java.util.List;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Answers what devices publish on their network topics (docs/device-protocol.md, "Networks").
 *
 * <ul>
 *   <li>A sync (sent at every connect) is answered as {@link NetworkPlan#forSync} decides: the
 *       configuration the device should hold when it holds another and has not answered the latest
 *       version, a removal of a network it is no member of, or nothing; a device that holds the
 *       latest version without an answer on record is recorded as having applied it.
 *   <li>An acknowledgement is recorded per device, network and version, applied or rejected with
 *       the device's reason; one from a device that is no member of the network, or about a version
 *       never published, is dropped.
 * </ul>
 *
 * A device may send {@value #BURST} messages at once and one a second on average; what goes over is
 * dropped and counted ({@link IngestQueue}, as for ledgers), and the device syncs again at its next
 * connect. One thread does the database work, off the gateway's event thread.
 */
@Component
public class DeviceNetworkSync implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(DeviceNetworkSync.class);
  static final int BURST = 20;
  static final int QUEUE = 10_000;
  private static final double RATE_PER_SECOND = 1;

  private final DSLContext dsl;
  private final NetworkRecords records;
  private final DeviceGateway gateway;
  private final IngestQueue<DeviceNetworkReport> queue;

  public DeviceNetworkSync(DSLContext dsl, DeviceGateway gateway) {
    this.dsl = dsl;
    this.records = new NetworkRecords(dsl);
    this.gateway = gateway;
    this.queue =
        new IngestQueue<>(
            "device network messages",
            "firmament.networks",
            RATE_PER_SECOND,
            BURST,
            QUEUE,
            batch -> batch.forEach(this::handleOne));
    gateway.onNetwork(report -> queue.accept(report.deviceId(), false, report));
  }

  /** Messages dropped so far: over a device's rate or over the queue. */
  public long dropped() {
    return queue.overRate() + queue.overQueue();
  }

  private void handleOne(DeviceNetworkReport report) {
    try {
      handle(report);
    } catch (RuntimeException e) {
      log.error("device network message not handled device={} error={}", report.deviceId(), e);
    }
  }

  /** Handles one message: reads and writes the database, then answers the device. */
  void handle(DeviceNetworkReport report) {
    if (!records.registered(report.deviceId())) {
      log.debug("ignoring network message of unregistered device {}", report.deviceId());
      return;
    }
    switch (report.message()) {
      case NetworkSync sync -> sync(report.deviceId(), sync);
      case NetworkAck ack -> {
        if (!records.recordAnswer(report.deviceId(), ack)) {
          log.info(
              "device {} answered version {} of network {}, of which it is no member or which"
                  + " has no such version: dropped",
              report.deviceId(),
              ack.version(),
              ack.network());
        }
      }
    }
  }

  private void sync(String deviceId, NetworkSync held) {
    List<NetworkPlan.Step> steps =
        dsl.transactionResult(
            configuration -> {
              DSLContext tx = configuration.dsl();
              List<NetworkPlan.Step> planned =
                  NetworkPlan.forSync(records.membership(tx, deviceId), held);
              for (NetworkPlan.Step step : planned) {
                if (step instanceof NetworkPlan.Step.Send send && !send.config().isRemoval()) {
                  records.markSent(tx, send.config().network(), deviceId, send.config().version());
                }
              }
              return planned;
            });
    for (NetworkPlan.Step step : steps) {
      switch (step) {
        case NetworkPlan.Step.Send send -> gateway.sendNetwork(deviceId, send.config());
        case NetworkPlan.Step.RecordApplied applied ->
            records.recordAnswer(
                deviceId, NetworkAck.applied(applied.networkId(), applied.version()));
      }
    }
  }

  @Override
  public void destroy() throws InterruptedException {
    queue.stop();
  }
}
