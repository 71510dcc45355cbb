package dev.firmament.workers.ledger;

import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.workers.outbox.OutboxSender;
import java.util.List;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * Pushes the API's changes to cloud-to-device ledgers to the online devices they reach.
 *
 * <p>The API writes a row into {@code ledger_pushes} in the transaction of each change, whose
 * trigger notifies {@code firmament_ledger_pushes}; this {@link OutboxSender} claims the pushes and
 * sends every online device of the push's scope the instance's current copy (or a removal), read
 * when it is sent. A device offline now gets it with its next sync; a device that gets a copy twice
 * applies it once (it applies only a higher version).
 */
@Component
public class LedgerPushes extends OutboxSender {
  private final LedgerRecords records;
  private final DeviceGateway gateway;

  public LedgerPushes(DSLContext dsl, DeviceGateway gateway) {
    super(dsl, "ledger-pushes", "firmament_ledger_pushes");
    this.records = new LedgerRecords(dsl);
    this.gateway = gateway;
    start();
  }

  @Override
  protected int sendBatch(DSLContext tx, int limit) {
    List<LedgerRecords.Push> pushes = records.claimPushes(tx, limit);
    for (LedgerRecords.Push push : pushes) {
      LedgerCopy copy = records.copyOf(tx, push);
      for (String device : records.onlineDevicesOf(tx, push)) {
        gateway.sendLedger(device, copy);
        countSent();
      }
    }
    return pushes.size();
  }
}
