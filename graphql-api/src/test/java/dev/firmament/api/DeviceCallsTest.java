package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CALLS;
import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VARIABLES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The seed's {@code CallFunction} and {@code ReadVariable}, verbatim, on what the API decides
 * before anything reaches a device (the launcher's end-to-end test runs calls to simulated devices,
 * and CloudCodeTest to devices on the tests' broker): access, input, declarations, offline devices,
 * a device that does not answer, and the call record.
 */
class DeviceCallsTest extends ApiIntegrationTest {

  private String declaredDevice(boolean online) {
    String productId = createProduct();
    String id = registerDevices(productId, unique("call"), 1).getFirst();
    UUID organization =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(id))
            .fetchSingle(DEVICES.ORGANIZATION_ID);
    dsl.update(DEVICES)
        .set(DEVICES.ONLINE, online)
        .set(DEVICES.LAST_HEARD, OffsetDateTime.parse("2026-03-01T12:00:00Z"))
        .where(DEVICES.ID.eq(id))
        .execute();
    dsl.insertInto(DEVICE_FUNCTIONS)
        .columns(
            DEVICE_FUNCTIONS.ORGANIZATION_ID,
            DEVICE_FUNCTIONS.DEVICE_ID,
            DEVICE_FUNCTIONS.NAME,
            DEVICE_FUNCTIONS.POSITION)
        .values(organization, id, "led", 0)
        .execute();
    dsl.insertInto(DEVICE_VARIABLES)
        .columns(
            DEVICE_VARIABLES.ORGANIZATION_ID,
            DEVICE_VARIABLES.DEVICE_ID,
            DEVICE_VARIABLES.NAME,
            DEVICE_VARIABLES.TYPE,
            DEVICE_VARIABLES.POSITION)
        .values(organization, id, "uptime", "int32", 0)
        .execute();
    return id;
  }

  private int callsOf(String deviceId) {
    return dsl.fetchCount(DEVICE_CALLS, DEVICE_CALLS.DEVICE_ID.eq(deviceId));
  }

  @Test
  void anOfflineDeviceIsAnsweredAtOnceWithConnectedFalseAndTheCallIsRecorded() {
    String device = declaredDevice(false);

    var called =
        graphQl
            .documentName("CallFunction")
            .variable("deviceId", device)
            .variable("functionName", "led")
            .variable("argument", "on")
            .execute();
    called
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getExtensions()).containsEntry("code", "DEVICE_OFFLINE");
                          assertThat(e.getMessage()).contains(device, "offline");
                        }));
    called.path("callFunction.connected").entity(Boolean.class).isEqualTo(false);
    called.path("callFunction.returnValue").valueIsNull();
    called.path("callFunction.calledAt").entity(String.class).satisfies(t -> t.endsWith("Z"));

    var read =
        graphQl
            .documentName("ReadVariable")
            .variable("deviceId", device)
            .variable("variableName", "uptime")
            .execute();
    read.errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e ->
                            assertThat(e.getExtensions()).containsEntry("code", "DEVICE_OFFLINE")));
    read.path("variable.name").entity(String.class).isEqualTo("uptime");
    read.path("variable.result").valueIsNull();
    read.path("variable.coreInfo.connected").entity(Boolean.class).isEqualTo(false);
    read.path("variable.coreInfo.lastHeard").entity(String.class).isEqualTo("2026-03-01T12:00:00Z");

    var recorded =
        dsl.selectFrom(DEVICE_CALLS)
            .where(DEVICE_CALLS.DEVICE_ID.eq(device))
            .orderBy(DEVICE_CALLS.CALLED_AT)
            .fetch();
    assertThat(recorded).hasSize(2);
    assertThat(recorded.get(0).getKind()).isEqualTo("function");
    assertThat(recorded.get(0).getName()).isEqualTo("led");
    assertThat(recorded.get(0).getArgumentBytes()).isEqualTo(2);
    assertThat(recorded.get(0).getOutcome()).isEqualTo("offline");
    assertThat(recorded.get(0).getErrorCode()).isEqualTo("DEVICE_OFFLINE");
    assertThat(recorded.get(0).getLatencyMs()).isNull();
    assertThat(recorded.get(0).getActor()).isNotBlank();
    assertThat(recorded.get(1).getKind()).isEqualTo("variable");
    assertThat(recorded.get(1).getOutcome()).isEqualTo("offline");

    // The record, as operators read it: the newest first, paged.
    var history =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { calls(size: 1) { total hasMore last items {"
                    + " kind name outcome argumentBytes actor errorCode latencyMs result } } } }")
            .variable("id", device)
            .execute();
    history.errors().verify();
    history.path("device.calls.total").entity(Integer.class).isEqualTo(2);
    history.path("device.calls.hasMore").entity(Boolean.class).isEqualTo(true);
    history.path("device.calls.last").entity(Integer.class).isEqualTo(0);
    history.path("device.calls.items[0].kind").entity(String.class).isEqualTo("VARIABLE");
    history.path("device.calls.items[0].name").entity(String.class).isEqualTo("uptime");
    history.path("device.calls.items[0].outcome").entity(String.class).isEqualTo("OFFLINE");
    history
        .path("device.calls.items[0].errorCode")
        .entity(String.class)
        .isEqualTo("DEVICE_OFFLINE");
    history.path("device.calls.items[0].latencyMs").valueIsNull();
    history.path("device.calls.items[0].result").valueIsNull();
    var second =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { calls(from: 1) { total hasMore items {"
                    + " kind argumentBytes } } } }")
            .variable("id", device)
            .execute();
    second.path("device.calls.hasMore").entity(Boolean.class).isEqualTo(false);
    second.path("device.calls.items[0].kind").entity(String.class).isEqualTo("FUNCTION");
    second.path("device.calls.items[0].argumentBytes").entity(Integer.class).isEqualTo(2);
    assertRefused(
        graphQl
            .document("query($id: ID!) { device(id: $id) { calls(size: 1001) { total } } }")
            .variable("id", device),
        "INVALID_ARGUMENT");
  }

  @Test
  void badCallsAreTypedErrorsAndNothingIsSentOrRecorded() {
    String device = declaredDevice(true);
    String auditor = tokenFor(TEST_ORGANIZATION, Role.AUDITOR);

    for (Map<String, Object> bad :
        java.util.List.<Map<String, Object>>of(
            Map.of("deviceId", device, "functionName", "a b"),
            Map.of("deviceId", device, "functionName", "f".repeat(65)),
            Map.of("deviceId", device, "functionName", "led", "argument", "x".repeat(1025)))) {
      assertRefused(graphQl.documentName("CallFunction").variables(bad), "INVALID_ARGUMENT");
    }
    // Never declared by the device, or no such device in the caller's organization.
    assertRefused(
        graphQl
            .documentName("CallFunction")
            .variable("deviceId", device)
            .variable("functionName", "reboot"),
        "NOT_FOUND");
    assertRefused(
        graphQl
            .documentName("ReadVariable")
            .variable("deviceId", device)
            .variable("variableName", "temperature"),
        "NOT_FOUND");
    assertRefused(
        graphQl
            .documentName("CallFunction")
            .variable("deviceId", unique("absent"))
            .variable("functionName", "led"),
        "NOT_FOUND");
    String elsewhere = tokenFor(unique("org"), Role.OWNER);
    assertRefused(
        as(elsewhere)
            .documentName("CallFunction")
            .variable("deviceId", device)
            .variable("functionName", "led"),
        "NOT_FOUND");
    // Reading is enough to read a variable, not to call a function.
    assertRefused(
        as(auditor)
            .documentName("CallFunction")
            .variable("deviceId", device)
            .variable("functionName", "led"),
        "FORBIDDEN");
    assertThat(callsOf(device)).isZero();
  }

  @Test
  void anOnlineDeviceThatDoesNotAnswerTimesOutAndTheCallIsRecorded() {
    // Online as far as the database knows, but nothing answers on its topic: the call goes out
    // through the broker and times out after the tests' call timeout (2 s).
    String device = declaredDevice(true);
    var called =
        graphQl
            .documentName("CallFunction")
            .variable("deviceId", device)
            .variable("functionName", "led")
            .variable("argument", "x".repeat(1024))
            .execute();
    called
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getExtensions()).containsEntry("code", "DEADLINE_EXCEEDED");
                          assertThat(e.getMessage()).contains("within 2000 ms");
                        }));
    called.path("callFunction.connected").entity(Boolean.class).isEqualTo(true);
    called.path("callFunction.returnValue").valueIsNull();
    var recorded =
        dsl.selectFrom(DEVICE_CALLS).where(DEVICE_CALLS.DEVICE_ID.eq(device)).fetchSingle();
    assertThat(recorded.getOutcome()).isEqualTo("timeout");
    assertThat(recorded.getArgumentBytes()).isEqualTo(1024);
    assertThat(recorded.getLatencyMs()).isGreaterThanOrEqualTo(1990);
  }

  @Test
  void everyConnectionFromPresenceIsRecordedAndEachAfterTheFirstIsAReconnection() throws Exception {
    String device = declaredDevice(false);
    // As the workers record presence: online, offline (the last will), online again, twice.
    for (boolean online : new boolean[] {true, false, true, true, false, true}) {
      dsl.update(DEVICES).set(DEVICES.ONLINE, online).where(DEVICES.ID.eq(device)).execute();
      Thread.sleep(5);
    }

    var page =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { reconnections(size: 2) { total hasMore items {"
                    + " connectedAt disconnectedAt previousDisconnect reconnection offlineSeconds"
                    + " } } } }")
            .variable("id", device)
            .execute();
    page.errors().verify();
    // Three connections: online twice in a row is one connection.
    page.path("device.reconnections.total").entity(Integer.class).isEqualTo(3);
    page.path("device.reconnections.hasMore").entity(Boolean.class).isEqualTo(true);
    page.path("device.reconnections.items[0].disconnectedAt").valueIsNull();
    page.path("device.reconnections.items[0].reconnection").entity(Boolean.class).isEqualTo(true);
    page.path("device.reconnections.items[0].offlineSeconds").entity(Long.class).isEqualTo(0L);
    page.path("device.reconnections.items[1].disconnectedAt")
        .entity(String.class)
        .satisfies(t -> assertThat(t).endsWith("Z"));
    var first =
        graphQl
            .document(
                "query($id: ID!) { device(id: $id) { reconnections(from: 2) { items {"
                    + " reconnection previousDisconnect offlineSeconds } } } }")
            .variable("id", device)
            .execute();
    first.path("device.reconnections.items[0].reconnection").entity(Boolean.class).isEqualTo(false);
    first.path("device.reconnections.items[0].previousDisconnect").valueIsNull();
    first.path("device.reconnections.items[0].offlineSeconds").valueIsNull();
  }

  @Test
  void aProbeOfAnOfflineDeviceAnswersAtOnceAndIsRecordedWithTheCalls() {
    String device = declaredDevice(false);
    var probe =
        graphQl
            .document(
                "mutation($d: ID!) { probeDevice(deviceId: $d) { id deviceId connected roundTripMs"
                    + " probedAt } }")
            .variable("d", device)
            .execute();
    probe
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e ->
                            assertThat(e.getExtensions()).containsEntry("code", "DEVICE_OFFLINE")));
    probe.path("probeDevice.connected").entity(Boolean.class).isEqualTo(false);
    probe.path("probeDevice.roundTripMs").valueIsNull();
    graphQl
        .document("query($id: ID!) { device(id: $id) { calls { items { kind name outcome } } } }")
        .variable("id", device)
        .execute()
        .path("device.calls.items[0]")
        .matchesJson("{\"kind\":\"PROBE\",\"name\":\"ping\",\"outcome\":\"OFFLINE\"}");
    assertRefused(
        graphQl
            .document("mutation($d: ID!) { probeDevice(deviceId: $d) { connected } }")
            .variable("d", unique("absent")),
        "NOT_FOUND");
  }
}
