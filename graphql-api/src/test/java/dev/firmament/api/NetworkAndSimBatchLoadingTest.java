package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.NETWORKS;
import static dev.firmament.sql.generated.Tables.NETWORK_CONFIGURATIONS;
import static dev.firmament.sql.generated.Tables.NETWORK_CONFIG_ACKS;
import static dev.firmament.sql.generated.Tables.NETWORK_DEVICES;
import static dev.firmament.sql.generated.Tables.SIMS;
import static dev.firmament.sql.generated.Tables.SIM_ACTIVATIONS;
import static dev.firmament.sql.generated.Tables.SIM_USAGE_DAYS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A page of networks with their configurations and members (twice, once filtered) and the members'
 * answers, and a page of SIMs with their activations, usage in a month and usage per day and month,
 * cost the same number of SQL statements for 60 parents as for 6: each child list is one statement
 * per page of parents (and per distinct filter), not one per parent. The pages also hold the right
 * children.
 */
class NetworkAndSimBatchLoadingTest extends ApiIntegrationTest {
  private static final String NETWORKS_PAGE =
      """
      query Networks($size: Int) {
        login {
          networks(size: $size, sort: "-createdAt") {
            items {
              name
              configurations(size: 1) { total items { version } }
              devices(size: 5) {
                total items { role device { id } acknowledgements(size: 1) { total items { version result } } }
              }
              gateways: devices(filter: {role: GATEWAY}, sort: "-addedAt") { total items { role } }
            }
          }
        }
      }""";

  private static final String SIMS_PAGE =
      """
      query Sims($size: Int, $carrier: String) {
        login {
          sims(size: $size, sort: "iccid", filter: {carrier: $carrier}) {
            items {
              iccid activations(size: 1) { total items { toStatus } }
              usage(period: "2026-11") { otaBytes eventBytes }
              days: dataUsage(size: 1) { total items { period otaBytes } }
              months: dataUsage(granularity: MONTH, sort: "period") { total items { period otaBytes } }
            }
          }
        }
      }""";

  @Autowired SharedTestBeans.StatementCounter counter;

  @Test
  void pagesOfNetworksAndSimsCostTheSameStatementsForSixAndSixty() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("netbatch"), 120);
    UUID org = organizationOf(devices.getFirst());
    // Sixty networks, the organization's newest, each with two configurations and two members (a
    // gateway and a node); sixty SIMs of their own carrier, each activated and deactivated once.
    String prefix = "nb" + UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; i < 60; i++) {
      UUID network = UUID.randomUUID();
      dsl.insertInto(NETWORKS)
          .set(NETWORKS.ID, network)
          .set(NETWORKS.ORGANIZATION_ID, org)
          .set(NETWORKS.NAME, String.format("%s-%02d", prefix, i))
          .set(NETWORKS.KIND, "MESH")
          .set(NETWORKS.CONFIG_VERSION, 2L)
          .set(NETWORKS.CREATED_BY, "test")
          .execute();
      for (long version = 1; version <= 2; version++) {
        dsl.insertInto(NETWORK_CONFIGURATIONS)
            .set(NETWORK_CONFIGURATIONS.NETWORK_ID, network)
            .set(NETWORK_CONFIGURATIONS.ORGANIZATION_ID, org)
            .set(NETWORK_CONFIGURATIONS.VERSION, version)
            .set(NETWORK_CONFIGURATIONS.SETTINGS, "{}")
            .set(NETWORK_CONFIGURATIONS.PUBLISHED_BY, "test")
            .execute();
      }
      for (int k = 0; k < 2; k++) {
        dsl.insertInto(NETWORK_DEVICES)
            .set(NETWORK_DEVICES.NETWORK_ID, network)
            .set(NETWORK_DEVICES.DEVICE_ID, devices.get(2 * i + k))
            .set(NETWORK_DEVICES.ORGANIZATION_ID, org)
            .set(NETWORK_DEVICES.ROLE, k == 0 ? "GATEWAY" : "NODE")
            .set(NETWORK_DEVICES.ADDED_BY, "test")
            .execute();
      }
      // The gateway answered both versions; the node none.
      for (long version = 1; version <= 2; version++) {
        dsl.insertInto(NETWORK_CONFIG_ACKS)
            .set(NETWORK_CONFIG_ACKS.NETWORK_ID, network)
            .set(NETWORK_CONFIG_ACKS.ORGANIZATION_ID, org)
            .set(NETWORK_CONFIG_ACKS.DEVICE_ID, devices.get(2 * i))
            .set(NETWORK_CONFIG_ACKS.VERSION, version)
            .set(NETWORK_CONFIG_ACKS.RESULT, "APPLIED")
            .execute();
      }
      UUID sim = UUID.randomUUID();
      dsl.insertInto(SIMS)
          .set(SIMS.ID, sim)
          .set(SIMS.ORGANIZATION_ID, org)
          .set(SIMS.ICCID, String.format("8900%s%02d", prefix.replaceAll("\\D", "1"), i))
          .set(
              SIMS.IMSI,
              String.format(
                  "%013d%02d", Math.abs(sim.getLeastSignificantBits() % 1_000_000_000L), i))
          .set(SIMS.CARRIER, prefix)
          .set(SIMS.MONTHLY_CAP_BYTES, 1L << 20)
          .set(SIMS.OVERAGE_POLICY, "BLOCK")
          .set(SIMS.CREATED_BY, "test")
          .execute();
      // Usage on three days of two months.
      for (String day : List.of("2026-10-31", "2026-11-01", "2026-11-02")) {
        dsl.insertInto(SIM_USAGE_DAYS)
            .set(SIM_USAGE_DAYS.SIM_ID, sim)
            .set(SIM_USAGE_DAYS.ORGANIZATION_ID, org)
            .set(SIM_USAGE_DAYS.DAY, java.time.LocalDate.parse(day))
            .set(SIM_USAGE_DAYS.OTA_BYTES, 100L + i)
            .set(SIM_USAGE_DAYS.EVENT_BYTES, 7L)
            .execute();
      }
      for (String[] change : new String[][] {{"INACTIVE", "ACTIVE"}, {"ACTIVE", "DEACTIVATED"}}) {
        dsl.insertInto(SIM_ACTIVATIONS)
            .set(SIM_ACTIVATIONS.ORGANIZATION_ID, org)
            .set(SIM_ACTIVATIONS.SIM_ID, sim)
            .set(SIM_ACTIVATIONS.FROM_STATUS, change[0])
            .set(SIM_ACTIVATIONS.TO_STATUS, change[1])
            .set(SIM_ACTIVATIONS.ACTOR, "test")
            .execute();
      }
    }

    int six = statements(NETWORKS_PAGE, 6, prefix);
    assertThat(statements(NETWORKS_PAGE, 60, prefix)).isEqualTo(six);
    int sixSims = statements(SIMS_PAGE, 6, prefix);
    assertThat(statements(SIMS_PAGE, 60, prefix)).isEqualTo(sixSims);

    List<Map<String, Object>> networks =
        graphQl
            .document(NETWORKS_PAGE)
            .variable("size", 60)
            .execute()
            .path("login.networks.items")
            .entityList(
                new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {})
            .get();
    assertThat(networks).hasSize(60);
    for (int k = 0; k < 60; k++) {
      // Newest first: the last inserted comes first.
      int i = 59 - k;
      Map<String, Object> n = networks.get(k);
      assertThat(n.get("name")).isEqualTo(String.format("%s-%02d", prefix, i));
      assertThat(n.get("configurations"))
          .isEqualTo(Map.of("total", 2, "items", List.of(Map.of("version", 2))));
      assertThat(n.get("devices"))
          .isEqualTo(
              Map.of(
                  "total",
                  2,
                  "items",
                  List.of(
                      Map.of(
                          "role",
                          "GATEWAY",
                          "device",
                          Map.of("id", devices.get(2 * i)),
                          "acknowledgements",
                          Map.of(
                              "total",
                              2,
                              "items",
                              List.of(Map.of("version", 2, "result", "APPLIED")))),
                      Map.of(
                          "role",
                          "NODE",
                          "device",
                          Map.of("id", devices.get(2 * i + 1)),
                          "acknowledgements",
                          Map.of("total", 0, "items", List.of())))));
      assertThat(n.get("gateways"))
          .isEqualTo(Map.of("total", 1, "items", List.of(Map.of("role", "GATEWAY"))));
    }
    var sims =
        graphQl.document(SIMS_PAGE).variable("size", 60).variable("carrier", prefix).execute();
    for (int i = 0; i < 60; i += 59) {
      String item = "login.sims.items[" + i + "].";
      long ota = 100 + i;
      sims.path(item + "activations")
          .matchesJson("{\"total\": 2, \"items\": [{\"toStatus\": \"DEACTIVATED\"}]}");
      sims.path(item + "usage").matchesJson("{\"otaBytes\": " + 2 * ota + ", \"eventBytes\": 14}");
      sims.path(item + "days")
          .matchesJson(
              "{\"total\": 3, \"items\": [{\"period\": \"2026-11-02\", \"otaBytes\": "
                  + ota
                  + "}]}");
      sims.path(item + "months")
          .matchesJson(
              "{\"total\": 2, \"items\": [{\"period\": \"2026-10\", \"otaBytes\": "
                  + ota
                  + "}, {\"period\": \"2026-11\", \"otaBytes\": "
                  + 2 * ota
                  + "}]}");
    }
  }

  @Test
  void aBadMemberFilterOrSortIsATypedErrorOfTheField() {
    String productId = createProduct();
    UUID org = organizationOf(registerDevices(productId, unique("netsort"), 1).getFirst());
    dsl.insertInto(NETWORKS)
        .set(NETWORKS.ID, UUID.randomUUID())
        .set(NETWORKS.ORGANIZATION_ID, org)
        .set(NETWORKS.NAME, unique("sort"))
        .set(NETWORKS.KIND, "VLAN")
        .set(NETWORKS.CREATED_BY, "test")
        .execute();
    graphQl
        .document(
            "{ login { networks(size: 1) { items { devices(sort: \"colour\") { total } } } } }")
        .execute()
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .isNotEmpty()
                    .allSatisfy(
                        e -> {
                          assertThat(e.getExtensions()).containsEntry("code", "INVALID_ARGUMENT");
                          assertThat(e.getMessage()).contains("sort must be one of");
                        }));
  }

  private int statements(String document, int size, String carrier) {
    return counter.of(
        () ->
            graphQl
                .document(document)
                .variable("size", size)
                .variable("carrier", carrier)
                .execute()
                .errors()
                .verify());
  }
}
