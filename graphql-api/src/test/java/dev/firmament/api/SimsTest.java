package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.SIMS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/** SIM cards end to end on PostgreSQL: reads, checks, assignment, activation and the import. */
class SimsTest extends ApiIntegrationTest {
  @Autowired MockMvcTester mvc;

  private static final String FIELDS =
      "id iccid imsi carrier status monthlyCapBytes overagePolicy device { id }";
  private static final String CREATE =
      "mutation($i: CreateSIMInput!) { createSIM(input: $i) { sim { " + FIELDS + " } } }";
  private static final String IMPORT =
      "mutation($csv: String!) { importSIMs(input: {csv: $csv}) { imported } }";
  private static final String HEADER =
      "iccid,imsi,carrier,monthly_cap_bytes,overage_policy,device_id\n";

  /** A new, valid 19-digit ICCID: 89, 16 random digits, the Luhn check digit. */
  static String iccid() {
    StringBuilder body = new StringBuilder("89");
    for (int i = 0; i < 16; i++) {
      body.append(ThreadLocalRandom.current().nextInt(10));
    }
    for (int d = 0; d <= 9; d++) {
      if (luhn(body.toString() + d)) {
        return body.toString() + d;
      }
    }
    throw new IllegalStateException();
  }

  static boolean luhn(String number) {
    int sum = 0;
    for (int i = 0; i < number.length(); i++) {
      int digit = number.charAt(number.length() - 1 - i) - '0';
      if (i % 2 == 1) {
        digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      }
      sum += digit;
    }
    return sum % 10 == 0;
  }

  static String imsi() {
    return String.valueOf(
        ThreadLocalRandom.current().nextLong(100_000_000_000_000L, 999_999_999_999_999L));
  }

  /** The same ICCID with its check digit changed: one mistyped digit. */
  static String mistyped(String iccid) {
    char last = iccid.charAt(iccid.length() - 1);
    return iccid.substring(0, iccid.length() - 1) + (char) ('0' + (last - '0' + 1) % 10);
  }

  private Map<String, Object> input(String iccid, String imsi, String deviceId) {
    Map<String, Object> input = new java.util.HashMap<>();
    input.put("iccid", iccid);
    input.put("imsi", imsi);
    input.put("carrier", "Acme Mobile");
    input.put("monthlyCapBytes", 50_000_000L);
    input.put("overagePolicy", "THROTTLE");
    input.put("deviceId", deviceId);
    return input;
  }

  private String create(String iccid, String deviceId) {
    return graphQl
        .document(CREATE)
        .variable("i", input(iccid, imsi(), deviceId))
        .execute()
        .path("createSIM.sim.id")
        .entity(String.class)
        .get();
  }

  private int simCount() {
    return dsl.fetchCount(SIMS);
  }

  @Test
  void createsReadsPagesAndFilters() {
    String carrier = unique("carrier");
    String iccid = iccid();
    String imsi = imsi();
    Map<String, Object> in = input(iccid, imsi, null);
    in.put("carrier", carrier);
    in.put("overagePolicy", "BLOCK");
    String id =
        graphQl
            .document(CREATE)
            .variable("i", in)
            .execute()
            .path("createSIM.sim.id")
            .entity(String.class)
            .get();
    for (int i = 0; i < 2; i++) {
      Map<String, Object> more = input(iccid(), imsi(), null);
      more.put("carrier", carrier);
      graphQl.document(CREATE).variable("i", more).execute();
    }
    graphQl
        .document("query($i: String) { sim(iccid: $i) { " + FIELDS + " createdBy } }")
        .variable("i", iccid)
        .execute()
        .path("sim.id")
        .entity(String.class)
        .isEqualTo(id)
        .path("sim.imsi")
        .entity(String.class)
        .isEqualTo(imsi)
        .path("sim.status")
        .entity(String.class)
        .isEqualTo("INACTIVE")
        .path("sim.monthlyCapBytes")
        .entity(Long.class)
        .isEqualTo(50_000_000L)
        .path("sim.overagePolicy")
        .entity(String.class)
        .isEqualTo("BLOCK")
        .path("sim.createdBy")
        .entity(String.class)
        .isEqualTo("owner@test.firmament.dev");
    graphQl
        .document("{ sim(id: \"" + id + "\") { iccid } }")
        .execute()
        .path("sim.iccid")
        .entity(String.class)
        .isEqualTo(iccid);
    graphQl.document("{ sim(id: \"nope\") { iccid } }").execute().path("sim").valueIsNull();
    assertRefused(graphQl.document("{ sim { iccid } }"), "INVALID_ARGUMENT");

    String page =
        "query($c: String, $f: Int) { login { sims(filter: {carrier: $c},"
            + " from: $f, size: 2, sort: \"-createdAt\") { total hasMore last items { id overagePolicy } } } }";
    graphQl
        .document(page)
        .variable("c", carrier)
        .variable("f", 0)
        .execute()
        .path("login.sims.total")
        .entity(Integer.class)
        .isEqualTo(3)
        .path("login.sims.hasMore")
        .entity(Boolean.class)
        .isEqualTo(true)
        .path("login.sims.last")
        .entity(Integer.class)
        .isEqualTo(1);
    graphQl
        .document(page)
        .variable("c", carrier)
        .variable("f", 2)
        .execute()
        .path("login.sims.hasMore")
        .entity(Boolean.class)
        .isEqualTo(false)
        .path("login.sims.items[0].id")
        .entity(String.class)
        .isEqualTo(id);
    graphQl
        .document(
            "query($c: String) { login { sims(filter: {carrier: $c, status: ACTIVE}) { total } } }")
        .variable("c", carrier)
        .execute()
        .path("login.sims.total")
        .entity(Integer.class)
        .isEqualTo(0);
    assertRefused(
        graphQl.document("{ login { sims(sort: \"colour\") { total } } }"), "INVALID_ARGUMENT");
    assertRefused(graphQl.document("{ login { sims(size: 1001) { total } } }"), "INVALID_ARGUMENT");
  }

  @Test
  void badNumbersAreRefusedAndWriteNothing() {
    int before = simCount();
    for (Map<String, Object> bad :
        List.of(
            input(mistyped(iccid()), imsi(), null),
            input("8912345", imsi(), null),
            input(iccid(), "12345", null),
            input(iccid(), "31015012345678x", null))) {
      assertRefused(graphQl.document(CREATE).variable("i", bad), "INVALID_ARGUMENT");
    }
    Map<String, Object> negative = input(iccid(), imsi(), null);
    negative.put("monthlyCapBytes", -1);
    assertRefused(graphQl.document(CREATE).variable("i", negative), "INVALID_ARGUMENT");
    String iccid = iccid();
    String imsi = imsi();
    String id =
        graphQl
            .document(CREATE)
            .variable("i", input(iccid, imsi, null))
            .execute()
            .path("createSIM.sim.id")
            .entity(String.class)
            .get();
    assertRefused(
        graphQl.document(CREATE).variable("i", input(iccid, imsi(), null)), "ALREADY_EXISTS");
    assertRefused(
        graphQl.document(CREATE).variable("i", input(iccid(), imsi, null)), "ALREADY_EXISTS");
    String other = create(iccid(), null);
    String update =
        "mutation($id: ID!, $imsi: String) { updateSIM(input: {id: $id, imsi: $imsi}) { sim { imsi } } }";
    assertRefused(
        graphQl.document(update).variable("id", other).variable("imsi", imsi), "ALREADY_EXISTS");
    assertRefused(
        graphQl.document(update).variable("id", other).variable("imsi", "123"), "INVALID_ARGUMENT");
    // Its own IMSI again is no change, not a duplicate.
    graphQl
        .document(update)
        .variable("id", id)
        .variable("imsi", imsi)
        .execute()
        .path("updateSIM.sim.imsi")
        .entity(String.class)
        .isEqualTo(imsi);
    assertThat(simCount()).isEqualTo(before + 2);
  }

  @Test
  void assignsOneSimPerDeviceWithinTheOrganization() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("sim-dev"), 2);
    String first = create(iccid(), devices.get(0));
    String second = create(iccid(), null);
    String assign =
        "mutation($id: ID!, $d: ID!) { assignSIM(input: {id: $id, deviceId: $d}) { sim { device { id } } } }";
    // The device holds the first SIM; the second SIM cannot go in it, nor the first elsewhere.
    assertRefused(
        graphQl.document(assign).variable("id", second).variable("d", devices.get(0)), "CONFLICT");
    assertRefused(
        graphQl.document(assign).variable("id", first).variable("d", devices.get(1)), "CONFLICT");
    assertRefused(
        graphQl.document(CREATE).variable("i", input(iccid(), imsi(), devices.get(0))), "CONFLICT");
    graphQl
        .document(assign)
        .variable("id", first)
        .variable("d", devices.get(0))
        .execute()
        .path("assignSIM.sim.device.id")
        .entity(String.class)
        .isEqualTo(devices.get(0));
    graphQl
        .document(assign)
        .variable("id", second)
        .variable("d", devices.get(1))
        .execute()
        .path("assignSIM.sim.device.id")
        .entity(String.class)
        .isEqualTo(devices.get(1));
    graphQl
        .document("query($d: ID!) { device(id: $d) { sim { id } } }")
        .variable("d", devices.get(1))
        .execute()
        .path("device.sim.id")
        .entity(String.class)
        .isEqualTo(second);
    graphQl
        .document("mutation($id: ID!) { unassignSIM(input: {id: $id}) { sim { device { id } } } }")
        .variable("id", second)
        .execute()
        .path("unassignSIM.sim.device")
        .valueIsNull();

    // Another organization's device looks missing, and its owner sees none of our SIMs.
    String other = tokenFor(unique("sim-other"), Role.OWNER);
    String otherProduct = createProduct(as(other));
    String foreign = registerDevices(as(other), otherProduct, unique("sim-foreign"), 1).getFirst();
    assertRefused(
        graphQl.document(assign).variable("id", second).variable("d", foreign), "NOT_FOUND");
    assertRefused(
        graphQl.document(CREATE).variable("i", input(iccid(), imsi(), foreign)), "NOT_FOUND");
    assertRefused(
        as(other).document(assign).variable("id", second).variable("d", foreign), "NOT_FOUND");
    as(other)
        .document("{ login { sims { total } } }")
        .execute()
        .path("login.sims.total")
        .entity(Integer.class)
        .isEqualTo(0);
    as(other)
        .document("{ sim(id: \"" + second + "\") { id } }")
        .execute()
        .path("sim")
        .valueIsNull();
  }

  @Test
  void activationsAreHistoryAndNonsenseTransitionsAreRefused() {
    String id = create(iccid(), null);
    String activate =
        "mutation($id: ID!, $r: String) { activateSIM(input: {id: $id, reason: $r}) { sim { status } } }";
    String deactivate =
        "mutation($id: ID!, $r: String) { deactivateSIM(input: {id: $id, reason: $r}) { sim { status } } }";
    assertRefused(graphQl.document(deactivate).variable("id", id), "FAILED_PRECONDITION");
    graphQl
        .document(activate)
        .variable("id", id)
        .variable("r", "shipped")
        .execute()
        .path("activateSIM.sim.status")
        .entity(String.class)
        .isEqualTo("ACTIVE");
    assertRefused(graphQl.document(activate).variable("id", id), "FAILED_PRECONDITION");
    assertRefused(
        graphQl
            .document("mutation($id: ID!) { deleteSIM(input: {id: $id}) { deletedId } }")
            .variable("id", id),
        "FAILED_PRECONDITION");
    graphQl
        .document(deactivate)
        .variable("id", id)
        .variable("r", "returned")
        .execute()
        .path("deactivateSIM.sim.status")
        .entity(String.class)
        .isEqualTo("DEACTIVATED");
    assertRefused(graphQl.document(deactivate).variable("id", id), "FAILED_PRECONDITION");
    graphQl.document(activate).variable("id", id).execute();
    graphQl
        .document(
            "query($id: ID!) { sim(id: $id) { activations(size: 2) { total hasMore items { fromStatus toStatus reason actor } } } }")
        .variable("id", id)
        .execute()
        .path("sim.activations.total")
        .entity(Integer.class)
        .isEqualTo(3)
        .path("sim.activations.hasMore")
        .entity(Boolean.class)
        .isEqualTo(true)
        .path("sim.activations.items[0].fromStatus")
        .entity(String.class)
        .isEqualTo("DEACTIVATED")
        .path("sim.activations.items[0].reason")
        .valueIsNull()
        .path("sim.activations.items[1].toStatus")
        .entity(String.class)
        .isEqualTo("DEACTIVATED")
        .path("sim.activations.items[1].reason")
        .entity(String.class)
        .isEqualTo("returned")
        .path("sim.activations.items[1].actor")
        .entity(String.class)
        .isEqualTo("owner@test.firmament.dev");
    graphQl.document(deactivate).variable("id", id).execute();
    graphQl
        .document("mutation($id: ID!) { deleteSIM(input: {id: $id}) { deletedId } }")
        .variable("id", id)
        .execute()
        .path("deleteSIM.deletedId")
        .entity(String.class)
        .isEqualTo(id);
  }

  @Test
  void aCsvWithBadRowsImportsNothingAndNamesEveryOne() {
    String productId = createProduct();
    String device = registerDevices(productId, unique("sim-csv"), 1).getFirst();
    String existing = iccid();
    create(existing, null);
    String good = iccid();
    String csv =
        HEADER
            + good
            + ","
            + imsi()
            + ",Acme,1000,BLOCK,"
            + device
            + "\r\n"
            + mistyped(iccid())
            + ","
            + imsi()
            + ",Acme,1000,BLOCK,\r\n"
            + good
            + ","
            + imsi()
            + ",Acme,1000,BLOCK,\r\n"
            + existing
            + ","
            + imsi()
            + ",Acme,1000,BLOCK,\r\n"
            + iccid()
            + ","
            + imsi()
            + ",Acme,1000,BLOCK,no-such-device\r\n"
            + iccid()
            + ","
            + imsi()
            + ",\"Acme, Inc.\",lots,BLOCK,\r\n";
    int before = simCount();
    var result = graphQl.document(IMPORT).variable("csv", csv).execute();
    result
        .errors()
        .satisfy(
            list -> {
              assertThat(list)
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getExtensions()).containsEntry("code", "INVALID_ARGUMENT");
                        @SuppressWarnings("unchecked")
                        List<Map<String, Object>> rows =
                            (List<Map<String, Object>>) e.getExtensions().get("rows");
                        assertThat(rows)
                            .extracting(r -> r.get("line") + ":" + r.get("column"))
                            .containsExactly("3:iccid", "4:iccid", "7:monthly_cap_bytes");
                        assertThat(e.getMessage()).contains("nothing was imported");
                      });
            });
    // Once each row is right on its own, the rows checked against the database are named too.
    String stored =
        HEADER
            + existing
            + ","
            + imsi()
            + ",Acme,1000,BLOCK,\n"
            + iccid()
            + ","
            + imsi()
            + ",Acme,1000,BLOCK,no-such-device\n";
    graphQl
        .document(IMPORT)
        .variable("csv", stored)
        .execute()
        .errors()
        .satisfy(
            list ->
                assertThat(list)
                    .singleElement()
                    .satisfies(
                        e -> {
                          @SuppressWarnings("unchecked")
                          List<Map<String, Object>> rows =
                              (List<Map<String, Object>>) e.getExtensions().get("rows");
                          assertThat(rows)
                              .extracting(
                                  r ->
                                      r.get("line")
                                          + ":"
                                          + r.get("column")
                                          + ":"
                                          + r.get("message"))
                              .containsExactly(
                                  "2:iccid:a SIM with this ICCID exists",
                                  "3:device_id:no device no-such-device");
                        }));
    assertThat(simCount()).isEqualTo(before);
  }

  @Test
  void aGoodCsvImportsEveryRowOverGraphQlAndRest() throws Exception {
    String productId = createProduct();
    String device = registerDevices(productId, unique("sim-good"), 1).getFirst();
    String carrier = unique("bulk");
    StringBuilder csv =
        new StringBuilder(
            "\uFEFF" + "overage_policy,iccid,imsi,carrier,monthly_cap_bytes,device_id\r\n");
    for (int i = 0; i < 25; i++) {
      csv.append("allow,")
          .append(iccid())
          .append(',')
          .append(imsi())
          .append(',')
          .append(carrier)
          .append(",1048576,")
          .append(i == 0 ? device : "")
          .append("\r\n");
    }
    graphQl
        .document(IMPORT)
        .variable("csv", csv.toString())
        .execute()
        .path("importSIMs.imported")
        .entity(Integer.class)
        .isEqualTo(25);
    graphQl
        .document("query($d: ID!) { device(id: $d) { sim { carrier overagePolicy } } }")
        .variable("d", device)
        .execute()
        .path("device.sim.carrier")
        .entity(String.class)
        .isEqualTo(carrier);

    String rest = HEADER + iccid() + "," + imsi() + "," + carrier + ",5,BLOCK,\n";
    var ok =
        mvc.post()
            .uri("/api/v1/sims/import")
            .header("Authorization", "Bearer " + ownerToken())
            .contentType(MediaType.parseMediaType("text/csv"))
            .content(rest)
            .exchange();
    assertThat(ok).hasStatusOk().bodyJson().extractingPath("$.imported").isEqualTo(1);
    var refused =
        mvc.post()
            .uri("/api/v1/sims/import")
            .header("Authorization", "Bearer " + ownerToken())
            .contentType(MediaType.parseMediaType("text/csv"))
            .content(rest)
            .exchange();
    assertThat(refused)
        .hasStatus(400)
        .bodyJson()
        .extractingPath("$.code")
        .isEqualTo("INVALID_ARGUMENT");
    assertThat(refused).bodyJson().extractingPath("$.rows[0].line").isEqualTo(2);
    graphQl
        .document("query($c: String) { login { sims(filter: {carrier: $c}) { total } } }")
        .variable("c", carrier)
        .execute()
        .path("login.sims.total")
        .entity(Integer.class)
        .isEqualTo(26);

    // The audit keeps the file's size, not its rows.
    String details =
        dsl.select(dev.firmament.sql.generated.Tables.AUDIT_LOG.DETAILS)
            .from(dev.firmament.sql.generated.Tables.AUDIT_LOG)
            .where(dev.firmament.sql.generated.Tables.AUDIT_LOG.ACTION.eq("importSIMs"))
            .orderBy(dev.firmament.sql.generated.Tables.AUDIT_LOG.ID.desc())
            .limit(1)
            .fetchOne()
            .value1();
    assertThat(details).contains("characters").doesNotContain(carrier);
  }

  @Test
  void theLargestImportIsOneTransactionWithinTheDatabasesLimits() {
    // 10,000 rows: the checks' IN lists and the chunked inserts stay under PostgreSQL's 32,767
    // bind values per statement. In an organization of its own, so no other test sees the rows.
    String owner = tokenFor(unique("sim-bulk"), Role.OWNER);
    java.util.Set<String> iccids = new java.util.HashSet<>();
    StringBuilder csv = new StringBuilder(HEADER);
    for (int i = 0; i < 10_000; i++) {
      String iccid = iccid();
      if (!iccids.add(iccid)) {
        i--;
        continue;
      }
      csv.append(iccid).append(',').append(310_150_000_000_000L + i).append(",Bulk,1,ALLOW,\n");
    }
    as(owner)
        .document(IMPORT)
        .variable("csv", csv.toString())
        .execute()
        .path("importSIMs.imported")
        .entity(Integer.class)
        .isEqualTo(10_000);
    as(owner)
        .document("{ login { sims(size: 0) { total } } }")
        .execute()
        .path("login.sims.total")
        .entity(Integer.class)
        .isEqualTo(10_000);
  }

  @Test
  void limitsAndRolesAreHeld() {
    StringBuilder big = new StringBuilder(HEADER);
    for (int i = 0; i <= 10_000; i++) {
      big.append("1,2,3,4,5,\n");
    }
    assertRefused(graphQl.document(IMPORT).variable("csv", big.toString()), "TOO_LARGE");
    assertRefused(graphQl.document(IMPORT).variable("csv", "x".repeat(2_000_001)), "TOO_LARGE");
    assertRefused(graphQl.document(IMPORT).variable("csv", "iccid\n\"open"), "INVALID_ARGUMENT");

    String organization = TEST_ORGANIZATION;
    String auditor = tokenFor(organization, Role.AUDITOR);
    int before = simCount();
    assertRefused(
        as(auditor).document(CREATE).variable("i", input(iccid(), imsi(), null)), "FORBIDDEN");
    assertRefused(
        as(auditor)
            .document(IMPORT)
            .variable("csv", HEADER + iccid() + "," + imsi() + ",A,1,BLOCK,\n"),
        "FORBIDDEN");
    as(auditor)
        .document("{ login { sims(size: 1) { total } } }")
        .execute()
        .path("login.sims.total")
        .entity(Integer.class)
        .satisfies(t -> assertThat(t).isPositive());
    var rest =
        mvc.post()
            .uri("/api/v1/sims/import")
            .header("Authorization", "Bearer " + auditor)
            .contentType(MediaType.parseMediaType("text/csv"))
            .content(HEADER + iccid() + "," + imsi() + ",A,1,BLOCK,\n")
            .exchange();
    assertThat(rest).hasStatus(403).bodyJson().extractingPath("$.code").isEqualTo("FORBIDDEN");
    String operator = tokenFor(organization, Role.OPERATOR);
    as(operator)
        .document(CREATE)
        .variable("i", input(iccid(), imsi(), null))
        .execute()
        .path("createSIM.sim.id")
        .hasValue();
    assertThat(simCount()).isEqualTo(before + 1);
  }
}
