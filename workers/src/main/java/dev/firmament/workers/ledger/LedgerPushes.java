package dev.firmament.workers.ledger;

import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.server.DeviceGateway;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Pushes the API's changes to cloud-to-device ledgers to the online devices they reach.
 *
 * <p>The API writes a row into {@code ledger_pushes} in the transaction of each change (an outbox),
 * whose trigger notifies {@code firmament_ledger_pushes}. This thread LISTENs there and, at each
 * notification and at least every {@value #CHECK_SECONDS} seconds (a notification sent while no
 * worker listened), claims the pushes with {@code skip locked}, so that of several workers one
 * handles each, and sends every online device of the push's scope the instance's current copy (or a
 * removal), read when it is sent. A device offline now gets it with its next sync; a device that
 * gets a copy twice applies it once (it applies only a higher version).
 */
@Component
public class LedgerPushes implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(LedgerPushes.class);
  static final int CHECK_SECONDS = 5;
  private static final int BATCH = 100;

  private final DSLContext dsl;
  private final LedgerRecords records;
  private final DeviceGateway gateway;
  private final Thread thread;
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean running = true;

  public LedgerPushes(DSLContext dsl, DeviceGateway gateway) {
    this.dsl = dsl;
    this.records = new LedgerRecords(dsl);
    this.gateway = gateway;
    this.thread = Thread.ofPlatform().name("ledger-pushes").daemon().start(this::run);
  }

  /** Copies and removals sent so far. */
  public long sent() {
    return sent.get();
  }

  private void run() {
    long backoff = 100;
    while (running) {
      try {
        dsl.connection(
            connection -> {
              connection.setAutoCommit(true);
              try (Statement statement = connection.createStatement()) {
                statement.execute("LISTEN firmament_ledger_pushes");
              }
              PGConnection pg = connection.unwrap(PGConnection.class);
              while (running) {
                drain();
                pg.getNotifications(CHECK_SECONDS * 1000);
              }
            });
        backoff = 100;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        log.warn("ledger pushes lost their connection, again in {} ms: {}", backoff, e.toString());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /** Handles every push waiting now; returns how many. */
  int drain() {
    int handled = 0;
    while (running) {
      int batch =
          dsl.transactionResult(
              configuration -> {
                DSLContext tx = configuration.dsl();
                List<LedgerRecords.Push> pushes = records.claimPushes(tx, BATCH);
                for (LedgerRecords.Push push : pushes) {
                  LedgerCopy copy = records.copyOf(tx, push);
                  for (String device : records.onlineDevicesOf(tx, push)) {
                    gateway.sendLedger(device, copy);
                    sent.incrementAndGet();
                  }
                }
                return pushes.size();
              });
      handled += batch;
      if (batch < BATCH) {
        return handled;
      }
    }
    return handled;
  }

  @Override
  public void destroy() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}
