package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_LOGS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;

/**
 * Child fields load in batches: a page of devices with their nested fields (product with its fleet,
 * firmware and release, groups with their releases, the target version, firmware, the rollouts they
 * took part in and those rollouts' products, and the device cloud's pages: vitals, log lines,
 * diagnostics, backfills, calls, connections) costs the same number of SQL statements for 100
 * devices as for 10, and each device gets its own rows. Statements are counted on the thread that
 * serves the request (the data loaders dispatch on it); the rest of the application (the audit
 * sealer, the schedulers) is not counted.
 */
class BatchLoadingTest extends ApiIntegrationTest {
  private static final String PAGE =
      """
      query Page($id: ID!, $size: Int) {
        product(id: $id) {
          devices(perPage: $size) {
            id name online tags firmwareLock targetFirmwareVersion info { platform }
            groups { name releasedFirmware { version } }
            product {
              id name fleet { name } releasedFirmware { version }
              firmware { total items { version } } groups { total items { name } }
            }
            deviceGroup { id name product { id } }
            functions { name } variables { name type }
            firmwareVersion { version title }
            updates(size: 5) { total items { state job { id status product { id } } } }
            vitals { uptimeSeconds }
            vitalsHistory(size: 2) { total items { uptimeSeconds } }
            logs(size: 2) { total items { message } }
            diagnostics(size: 2) { total } backfills(size: 2) { total }
            calls(size: 2) { total } reconnections(size: 2) { total }
          }
        }
      }""";

  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-12-05T10:00:00Z");

  @Autowired SharedTestBeans.StatementCounter counter;

  @Test
  void aPageOfAHundredDevicesCostsTheStatementsOfAPageOfTen() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("batch"), 100);
    createGroup(productId, unique("group"), ids.subList(0, 50));
    UUID organization =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(ids.getFirst()))
            .fetchSingle(DEVICES.ORGANIZATION_ID);
    // Device i has i % 3 vitals and i % 4 log lines: pages handed to the wrong device would show.
    var vitals =
        dsl.insertInto(
            DEVICE_VITALS,
            DEVICE_VITALS.ORGANIZATION_ID,
            DEVICE_VITALS.DEVICE_ID,
            DEVICE_VITALS.MEASURED_AT,
            DEVICE_VITALS.RECEIVED_AT,
            DEVICE_VITALS.UPTIME_SECONDS);
    var logLines =
        dsl.insertInto(
            DEVICE_LOGS,
            DEVICE_LOGS.ORGANIZATION_ID,
            DEVICE_LOGS.DEVICE_ID,
            DEVICE_LOGS.LOGGED_AT,
            DEVICE_LOGS.RECEIVED_AT,
            DEVICE_LOGS.LOG_LEVEL,
            DEVICE_LOGS.MESSAGE);
    for (int i = 0; i < ids.size(); i++) {
      for (int k = 0; k < i % 3; k++) {
        vitals =
            vitals.values(
                organization, ids.get(i), T0.plusMinutes(k), T0.plusMinutes(k), 1000L * i + k);
      }
      for (int k = 0; k < i % 4; k++) {
        logLines =
            logLines.values(
                organization,
                ids.get(i),
                T0.plusSeconds(k),
                T0.plusMinutes(1),
                "INFO",
                ids.get(i) + " line " + k);
      }
    }
    vitals.execute();
    logLines.execute();

    int ten = statementsFor(productId, 10);
    int hundred = statementsFor(productId, 100);

    // The page, its product, and one statement per nested field: the loads are
    // counted, so a field that loaded per device would show as 90 more for the larger page.
    assertThat(ten).isGreaterThanOrEqualTo(8);
    assertThat(hundred).isEqualTo(ten);

    List<Map<String, Object>> devices =
        graphQl
            .document(PAGE)
            .variable("id", productId)
            .variable("size", 100)
            .execute()
            .path("product.devices")
            .entityList(new ParameterizedTypeReference<Map<String, Object>>() {})
            .get();
    assertThat(devices).hasSize(100);
    for (Map<String, Object> device : devices) {
      int i = ids.indexOf((String) device.get("id"));
      Map<?, ?> history = (Map<?, ?>) device.get("vitalsHistory");
      assertThat(history.get("total")).as("device %d", i).isEqualTo(i % 3);
      if (i % 3 > 0) {
        // Newest first: the last measured of device i's vitals.
        assertThat(((Map<?, ?>) device.get("vitals")).get("uptimeSeconds"))
            .isEqualTo(1000 * i + i % 3 - 1);
      } else {
        assertThat(device.get("vitals")).isNull();
      }
      Map<?, ?> logs = (Map<?, ?>) device.get("logs");
      assertThat(logs.get("total")).as("device %d", i).isEqualTo(i % 4);
      for (Object line : (List<?>) logs.get("items")) {
        assertThat((String) ((Map<?, ?>) line).get("message")).startsWith(device.get("id") + " ");
      }
      for (String empty : List.of("diagnostics", "backfills", "calls", "reconnections")) {
        assertThat(((Map<?, ?>) device.get(empty)).get("total")).isEqualTo(0);
      }
    }
  }

  private int statementsFor(String productId, int size) {
    return counter.of(() -> run(productId, size));
  }

  private void run(String productId, int size) {
    graphQl
        .document(PAGE)
        .variable("id", productId)
        .variable("size", size)
        .execute()
        .path("product.devices")
        .entityList(Object.class)
        .hasSize(size);
  }
}
