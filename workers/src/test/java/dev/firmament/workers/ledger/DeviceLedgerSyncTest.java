package dev.firmament.workers.ledger;

import static dev.firmament.sql.generated.Tables.LEDGERS;
import static dev.firmament.sql.generated.Tables.LEDGER_INSTANCES;
import static dev.firmament.sql.generated.Tables.LEDGER_PUSHES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firmament.protocol.Command;
import dev.firmament.protocol.LedgerAck;
import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.LedgerDocuments;
import dev.firmament.protocol.LedgerMessage;
import dev.firmament.protocol.LedgerSync;
import dev.firmament.protocol.LedgerWrite;
import dev.firmament.protocol.server.DeviceLedgerReport;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import dev.firmament.workers.outbox.OutboxSender;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' side of ledger sync on real PostgreSQL: sync answers, the device-to-cloud conflict
 * rule (the highest version wins, a stale or repeated write changes nothing and is acknowledged),
 * and pushes of the API's changes to online devices.
 */
class DeviceLedgerSyncTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  private static UUID ledger(UUID org, String name, String scope, String direction) {
    UUID id = UUID.randomUUID();
    dsl.insertInto(LEDGERS)
        .set(LEDGERS.ID, id)
        .set(LEDGERS.ORGANIZATION_ID, org)
        .set(LEDGERS.NAME, name)
        .set(LEDGERS.SCOPE, scope)
        .set(LEDGERS.DIRECTION, direction)
        .set(LEDGERS.CREATED_BY, "test")
        .execute();
    return id;
  }

  /** An instance as the API writes one: the next version of the sequence. */
  private static long instance(UUID org, UUID ledger, UUID product, String device, String data) {
    long version =
        dsl.select(DSL.field("nextval('ledger_versions')", Long.class)).fetchSingle().value1();
    dsl.insertInto(LEDGER_INSTANCES)
        .set(LEDGER_INSTANCES.ID, UUID.randomUUID())
        .set(LEDGER_INSTANCES.ORGANIZATION_ID, org)
        .set(LEDGER_INSTANCES.LEDGER_ID, ledger)
        .set(LEDGER_INSTANCES.PRODUCT_ID, product)
        .set(LEDGER_INSTANCES.DEVICE_ID, device)
        .set(LEDGER_INSTANCES.DATA, data)
        .set(LEDGER_INSTANCES.VERSION, version)
        .set(LEDGER_INSTANCES.UPDATED_BY, "test")
        .execute();
    return version;
  }

  private static ObjectNode doc(String key, int value) {
    ObjectNode node = LedgerDocuments.empty();
    node.put(key, value);
    return node;
  }

  private static DeviceLedgerReport report(String device, LedgerMessage message) {
    return new DeviceLedgerReport(device, message, Instant.now());
  }

  private static List<Command> sent(RecordingGateway gateway, String device) {
    return List.copyOf(gateway.ledgerSent.getOrDefault(device, List.of()));
  }

  @Test
  void aSyncGetsWhatIsNewerARemovalForWhatNoLongerAppliesAndTheStoredWrites() throws Exception {
    UUID[] op = database.organizationWithProduct();
    String device = database.device(op, true);
    UUID config = ledger(op[0], "config", "ORGANIZATION", "CLOUD_TO_DEVICE");
    UUID motd = ledger(op[0], "motd", "PRODUCT", "CLOUD_TO_DEVICE");
    ledger(op[0], "status", "DEVICE", "DEVICE_TO_CLOUD");
    long configVersion = instance(op[0], config, null, null, "{\"interval\":30}");
    long motdVersion = instance(op[0], motd, op[1], null, "{\"text\":1}");
    RecordingGateway gateway = new RecordingGateway();
    DeviceLedgerSync sync = new DeviceLedgerSync(dsl, gateway);
    try {
      // It holds config at the current version, motd at an older one, and a copy of a ledger
      // that is gone; its status was never written.
      sync.handle(
          report(
              device,
              new LedgerSync(
                  Map.of("config", configVersion, "motd", motdVersion - 1, "gone", 3L),
                  Map.of("status", 2L, "nosuch", 1L))));
      List<Command> answers = sent(gateway, device);
      Map<String, LedgerCopy> copies = new java.util.HashMap<>();
      answers.stream()
          .filter(LedgerCopy.class::isInstance)
          .map(LedgerCopy.class::cast)
          .forEach(c -> copies.put(c.name(), c));
      assertThat(copies).containsOnlyKeys("motd", "gone");
      assertThat(copies.get("motd").version()).isEqualTo(motdVersion);
      assertThat(copies.get("motd").data()).isEqualTo(doc("text", 1));
      LedgerCopy removal = copies.get("gone");
      assertThat(removal.isRemoval()).isTrue();
      assertThat(removal.version()).as("higher than any version held").isGreaterThan(motdVersion);
      assertThat(answers)
          .filteredOn(LedgerAck.class::isInstance)
          .containsExactly(
              new LedgerAck("nosuch", 0, "no device-to-cloud ledger nosuch in the organization"),
              LedgerAck.of("status", 0));
    } finally {
      sync.destroy();
    }
  }

  @Test
  void theHighestWriteWinsAndAStaleOrRepeatedOneChangesNothing() throws Exception {
    UUID[] op = database.organizationWithProduct();
    String device = database.device(op, true);
    String other = database.device(op, true);
    ledger(op[0], "status", "DEVICE", "DEVICE_TO_CLOUD");
    RecordingGateway gateway = new RecordingGateway();
    DeviceLedgerSync sync = new DeviceLedgerSync(dsl, gateway);
    try {
      sync.handle(report(device, new LedgerWrite("status", 1, doc("boots", 1), null)));
      sync.handle(report(device, new LedgerWrite("status", 1, doc("boots", 1), null)));
      sync.handle(report(device, new LedgerWrite("status", 3, doc("boots", 3), null)));
      sync.handle(report(device, new LedgerWrite("status", 2, doc("boots", 2), null)));
      sync.handle(report(other, new LedgerWrite("status", 1, doc("boots", 7), null)));
      assertThat(sent(gateway, device))
          .containsExactly(
              LedgerAck.of("status", 1),
              LedgerAck.of("status", 1),
              LedgerAck.of("status", 3),
              LedgerAck.of("status", 3));
      var stored =
          dsl.selectFrom(LEDGER_INSTANCES)
              .where(LEDGER_INSTANCES.DEVICE_ID.eq(device))
              .fetchSingle();
      assertThat(stored.getVersion()).isEqualTo(3);
      assertThat(stored.getData()).isEqualTo("{\"boots\":3}");
      assertThat(stored.getUpdatedBy()).isEqualTo("device:" + device);
      assertThat(
              dsl.selectFrom(LEDGER_INSTANCES)
                  .where(LEDGER_INSTANCES.DEVICE_ID.eq(other))
                  .fetchSingle()
                  .getData())
          .isEqualTo("{\"boots\":7}");

      // A name that is a cloud-to-device ledger is no device's to write.
      ledger(op[0], "config", "ORGANIZATION", "CLOUD_TO_DEVICE");
      sync.handle(report(device, new LedgerWrite("config", 9, doc("interval", 1), null)));
      assertThat(sent(gateway, device).getLast())
          .isEqualTo(
              new LedgerAck("config", 0, "no device-to-cloud ledger config in the organization"));
    } finally {
      sync.destroy();
    }
  }

  @Test
  void destroyEndsTheSendingThreadWithoutWaitingOutTheCheckInterval() throws Exception {
    LedgerPushes pushes = new LedgerPushes(dsl, new RecordingGateway());
    // Let the thread reach its wait for a notification, a socket read an interrupt does not end.
    await().atMost(Duration.ofSeconds(10)).until(() -> !senderThreads().isEmpty());
    Thread.sleep(300);
    long started = System.nanoTime();
    pushes.destroy();
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(senderThreads()).isEmpty();
    // Without a wake-up it waited out the rest of the check interval (up to 5 s) on every stop.
    assertThat(took).isLessThan(Duration.ofSeconds(OutboxSender.CHECK_SECONDS).dividedBy(2));
  }

  private static List<Thread> senderThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("ledger-pushes") && t.isAlive())
        .toList();
  }

  @Test
  void anApiChangeIsPushedToTheOnlineDevicesOfItsScopeOnce() throws Exception {
    UUID[] op = database.organizationWithProduct();
    String online = database.device(op, true);
    String offline = database.device(op, false);
    UUID config = ledger(op[0], "config", "ORGANIZATION", "CLOUD_TO_DEVICE");
    long version = instance(op[0], config, null, null, "{\"interval\":45}");
    RecordingGateway gateway = new RecordingGateway();
    LedgerPushes pushes = new LedgerPushes(dsl, gateway);
    try {
      dsl.insertInto(LEDGER_PUSHES)
          .set(LEDGER_PUSHES.ORGANIZATION_ID, op[0])
          .set(LEDGER_PUSHES.LEDGER_NAME, "config")
          .set(LEDGER_PUSHES.SCOPE, "ORGANIZATION")
          .execute();
      await().atMost(Duration.ofSeconds(10)).until(() -> !sent(gateway, online).isEmpty());
      assertThat(sent(gateway, online))
          .containsExactly(
              new LedgerCopy(
                  "config",
                  version,
                  doc("interval", 45),
                  ((LedgerCopy) sent(gateway, online).getFirst()).updatedAt()));
      assertThat(sent(gateway, offline)).isEmpty();
      assertThat(dsl.fetchCount(LEDGER_PUSHES, LEDGER_PUSHES.ORGANIZATION_ID.eq(op[0]))).isZero();

      // The instance deleted: the push is a removal.
      dsl.deleteFrom(LEDGER_INSTANCES).where(LEDGER_INSTANCES.LEDGER_ID.eq(config)).execute();
      dsl.insertInto(LEDGER_PUSHES)
          .set(LEDGER_PUSHES.ORGANIZATION_ID, op[0])
          .set(LEDGER_PUSHES.LEDGER_NAME, "config")
          .set(LEDGER_PUSHES.SCOPE, "ORGANIZATION")
          .execute();
      await().atMost(Duration.ofSeconds(10)).until(() -> sent(gateway, online).size() == 2);
      LedgerCopy removal = (LedgerCopy) sent(gateway, online).getLast();
      assertThat(removal.isRemoval()).isTrue();
      assertThat(removal.version()).isGreaterThan(version);
    } finally {
      pushes.destroy();
    }
  }
}
