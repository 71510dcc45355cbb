package dev.firmament.workers.network;

import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.server.DeviceGateway;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Sends the API's network changes (a published configuration, a member added or removed, a network
 * deleted) to the online devices they reach, as {@code LedgerPushes} does for ledgers.
 *
 * <p>The API writes a row into {@code network_pushes} in the transaction of each change (an
 * outbox), whose trigger notifies {@code firmament_network_pushes}. This thread LISTENs there and,
 * at each notification and at least every {@value #CHECK_SECONDS} seconds, claims the pushes with
 * {@code skip locked} (one worker each) and sends each online device what {@link
 * NetworkPlan#forPush} decides from its membership as it is then. A device offline now gets its
 * configuration with the sync of its next connect.
 */
@Component
public class NetworkPushes implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(NetworkPushes.class);
  static final int CHECK_SECONDS = 5;
  private static final int BATCH = 100;

  private final DSLContext dsl;
  private final NetworkRecords records;
  private final DeviceGateway gateway;
  private final Thread thread;
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean running = true;

  public NetworkPushes(DSLContext dsl, DeviceGateway gateway) {
    this.dsl = dsl;
    this.records = new NetworkRecords(dsl);
    this.gateway = gateway;
    this.thread = Thread.ofPlatform().name("network-pushes").daemon().start(this::run);
  }

  /** Configurations and removals sent so far. */
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
                statement.execute("LISTEN firmament_network_pushes");
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
        log.warn("network pushes lost their connection, again in {} ms: {}", backoff, e.toString());
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
                List<NetworkRecords.Push> pushes = records.claimPushes(tx, BATCH);
                for (NetworkRecords.Push push : pushes) {
                  for (NetworkRecords.Target target : records.onlineTargets(tx, push)) {
                    Optional<NetworkConfig> config =
                        NetworkPlan.forPush(target.membership(), push.networkId().toString());
                    if (config.isEmpty()) {
                      continue;
                    }
                    if (!config.get().isRemoval()) {
                      records.markSent(
                          tx, config.get().network(), target.deviceId(), config.get().version());
                    }
                    gateway.sendNetwork(target.deviceId(), config.get());
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
