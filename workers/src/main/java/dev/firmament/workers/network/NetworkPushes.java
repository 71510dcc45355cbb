package dev.firmament.workers.network;

import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.workers.outbox.OutboxSender;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * Sends the API's network changes (a published configuration, a member added or removed, a network
 * deleted) to the online devices they reach, as {@link dev.firmament.workers.ledger.LedgerPushes}
 * does for ledgers.
 *
 * <p>The API writes a row into {@code network_pushes} in the transaction of each change, whose
 * trigger notifies {@code firmament_network_pushes}; this {@link OutboxSender} claims the pushes
 * and sends each online device what {@link NetworkPlan#forPush} decides from its membership as it
 * is then. A device offline now gets its configuration with the sync of its next connect.
 */
@Component
public class NetworkPushes extends OutboxSender {
  private final NetworkRecords records;
  private final DeviceGateway gateway;

  public NetworkPushes(DSLContext dsl, DeviceGateway gateway) {
    super(dsl, "network-pushes", "firmament_network_pushes");
    this.records = new NetworkRecords(dsl);
    this.gateway = gateway;
    start();
  }

  @Override
  protected int sendBatch(DSLContext tx, int limit) {
    List<NetworkRecords.Push> pushes = records.claimPushes(tx, limit);
    for (NetworkRecords.Push push : pushes) {
      for (NetworkRecords.Target target : records.onlineTargets(tx, push)) {
        Optional<NetworkConfig> config =
            NetworkPlan.forPush(target.membership(), push.networkId().toString());
        if (config.isEmpty()) {
          continue;
        }
        if (!config.get().isRemoval()) {
          records.markSent(tx, config.get().network(), target.deviceId(), config.get().version());
        }
        gateway.sendNetwork(target.deviceId(), config.get());
        countSent();
      }
    }
    return pushes.size();
  }
}
