package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.protocol.DeviceEvent;
import dev.firmament.protocol.server.DeviceEventReport;
import dev.firmament.sql.generated.tables.records.EventsRecord;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device events reach the events table with their device's organization and product, in the order
 * they came, within each device's rate; the change feed carries each one.
 */
class DeviceEventIngestTest {
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

  private static String device(UUID[] orgAndProduct) {
    String id = "ev-" + UUID.randomUUID().toString().substring(0, 8);
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, id)
        .set(DEVICES.ORGANIZATION_ID, orgAndProduct[0])
        .set(DEVICES.PRODUCT_ID, orgAndProduct[1])
        .set(DEVICES.NAME, id)
        .execute();
    return id;
  }

  private static DeviceEventReport report(String device, DeviceEvent event) {
    return new DeviceEventReport(device, event, Instant.now());
  }

  private static List<EventsRecord> eventsOf(String device) {
    return dsl.selectFrom(EVENTS).where(EVENTS.DEVICE_ID.eq(device)).orderBy(EVENTS.ID).fetch();
  }

  @Test
  void aBatchIsStoredWithEachDevicesOrganizationAndProductInOrderAndUnknownDevicesAreNot()
      throws Exception {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String a = device(orgAndProduct);
    String b = device(orgAndProduct);
    RecordingGateway gateway = new RecordingGateway();
    DeviceEventIngest ingest = new DeviceEventIngest(dsl, gateway, 1000, 1000, 100);
    try {
      int written =
          ingest.write(
              List.of(
                  report(a, DeviceEvent.of("temp", "21.5")),
                  report("nobody", DeviceEvent.of("temp", "1")),
                  report(b, new DeviceEvent("door/open", "", 5, "product")),
                  report(a, DeviceEvent.of("temp", "21.6"))));

      assertThat(written).isEqualTo(3);
      List<EventsRecord> ofA = eventsOf(a);
      assertThat(ofA).extracting(EventsRecord::getData).containsExactly("21.5", "21.6");
      assertThat(ofA.getFirst().getOrganizationId()).isEqualTo(orgAndProduct[0]);
      assertThat(ofA.getFirst().getProductId()).isEqualTo(orgAndProduct[1]);
      assertThat(ofA.getFirst().getTtlSeconds()).isEqualTo(DeviceEvent.DEFAULT_TTL_SECONDS);
      assertThat(ofA.getFirst().getScope()).isEqualTo("private");
      assertThat(ofA.getFirst().getSource()).isEqualTo("device");
      EventsRecord ofB = eventsOf(b).getFirst();
      assertThat(ofB.getName()).isEqualTo("door/open");
      assertThat(ofB.getData()).isEmpty();
      assertThat(ofB.getTtlSeconds()).isEqualTo(5);
      assertThat(ofB.getScope()).isEqualTo("product");
      assertThat(ingest.counts().unknownDevice()).isEqualTo(1);

      // Each stored event is on the change feed too, with its payload.
      var change =
          dsl.resultQuery(
                  "select kind, event_id, event_name, event_data, event_scope, event_source,"
                      + " product_id from change_events where device_id = ? order by id",
                  b)
              .fetchSingle();
      assertThat(change.get("kind", String.class)).isEqualTo("EVENT");
      assertThat(change.get("event_id", Long.class)).isEqualTo(ofB.getId());
      assertThat(change.get("event_name", String.class)).isEqualTo("door/open");
      assertThat(change.get("event_scope", String.class)).isEqualTo("product");
      assertThat(change.get("event_source", String.class)).isEqualTo("device");
      assertThat(change.get("product_id", UUID.class)).isEqualTo(orgAndProduct[1]);
    } finally {
      ingest.destroy();
    }
  }

  @Test
  void aDeviceOverItsRateLosesWhatGoesOverAndOthersKeepTheirs() throws Exception {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String chatty = device(orgAndProduct);
    String quiet = device(orgAndProduct);
    RecordingGateway gateway = new RecordingGateway();
    // One a minute on average, bursts of 3: a burst of 10 keeps 3.
    DeviceEventIngest ingest = new DeviceEventIngest(dsl, gateway, 1.0 / 60, 3, 100);
    try {
      for (int i = 0; i < 10; i++) {
        for (var listener : gateway.eventListeners) {
          listener.accept(report(chatty, DeviceEvent.of("tick", Integer.toString(i))));
        }
      }
      for (var listener : gateway.eventListeners) {
        listener.accept(report(quiet, DeviceEvent.of("tick", "q")));
      }
      assertThat(ingest.drain(Duration.ofSeconds(10))).isTrue();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingest.counts().stored() == 4);
      assertThat(eventsOf(chatty)).extracting(EventsRecord::getData).containsExactly("0", "1", "2");
      assertThat(eventsOf(quiet)).hasSize(1);
      assertThat(ingest.counts().overRate()).isEqualTo(7);
    } finally {
      ingest.destroy();
    }
  }

  @Test
  void aBackfillKeepsItsOriginalTimeIsMarkedAndHasItsOwnAllowance() throws Exception {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String device = device(orgAndProduct);
    RecordingGateway gateway = new RecordingGateway();
    DeviceEventIngest ingest = new DeviceEventIngest(dsl, gateway, 1.0 / 60, 2, 1000);
    try {
      Instant offlineAt = Instant.parse("2026-11-30T08:00:00Z");
      // Twenty kept while offline, sent at once on reconnect: over the live burst of 2, within
      // the backfill allowance; a device clock ahead of the cloud is not believed.
      for (var listener : gateway.eventListeners) {
        for (int i = 0; i < 20; i++) {
          listener.accept(
              report(
                  device,
                  DeviceEvent.of("kept", Integer.toString(i))
                      .publishedAt(offlineAt.plusSeconds(i))));
        }
        listener.accept(
            report(
                device, DeviceEvent.of("ahead", "").publishedAt(Instant.now().plusSeconds(3600))));
        listener.accept(report(device, DeviceEvent.of("live", "")));
      }
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingest.counts().stored() == 22);
      List<EventsRecord> stored = eventsOf(device);
      assertThat(stored.getFirst().getPublishedAt().toInstant()).isEqualTo(offlineAt);
      assertThat(stored.get(19).getPublishedAt().toInstant()).isEqualTo(offlineAt.plusSeconds(19));
      assertThat(stored.subList(0, 21)).allMatch(EventsRecord::getBackfilled);
      assertThat(stored.get(20).getPublishedAt().toInstant())
          .isBefore(Instant.now().plusSeconds(1));
      assertThat(stored.get(21).getName()).isEqualTo("live");
      assertThat(stored.get(21).getBackfilled()).isFalse();
      assertThat(
              dsl.fetchCount(
                  org.jooq.impl.DSL.table("change_events"),
                  org.jooq.impl.DSL.field("device_id").eq(device),
                  org.jooq.impl.DSL.field("event_backfilled").eq(true)))
          .isEqualTo(21);
    } finally {
      ingest.destroy();
    }
  }

  @Test
  void badSettingsAreRefused() {
    RecordingGateway gateway = new RecordingGateway();
    assertThatThrownBy(() -> new DeviceEventIngest(dsl, gateway, 0, 4, 100))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DeviceEventIngest(dsl, gateway, 1, 0, 100))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DeviceEventIngest(dsl, gateway, 1, 4, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
