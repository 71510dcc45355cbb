package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VARIABLES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.DeviceCapabilities;
import dev.firmament.protocol.DeviceInfo;
import dev.firmament.protocol.Presence;
import dev.firmament.sql.generated.tables.records.DevicesRecord;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a presence message leaves in the device's row, info included. */
class DevicePresenceTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static DevicePresence presence;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    presence = new DevicePresence(dsl);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  void anOnlinePresenceRecordsWhatTheDeviceSaysAboutItselfAndOneWithoutInfoKeepsIt() {
    String device = device();
    DeviceInfo info = new DeviceInfo("esp32-s3", "rev B", "bg96 1.3", "boot 2", "idf 5.2");

    assertThat(presence.record(device, Presence.online("1.0.0", info))).isTrue();
    DevicesRecord row = row(device);
    assertThat(row.getOnline()).isTrue();
    assertThat(row.getFirmwareVersion()).isEqualTo("1.0.0");
    assertThat(row.getInfoPlatform()).isEqualTo("esp32-s3");
    assertThat(row.getInfoHardware()).isEqualTo("rev B");
    assertThat(row.getInfoRadio()).isEqualTo("bg96 1.3");
    assertThat(row.getInfoBootloader()).isEqualTo("boot 2");
    assertThat(row.getInfoSystem()).isEqualTo("idf 5.2");
    assertThat(row.getInfoReportedAt()).isNotNull();

    // The last will and an older device's presence carry no info: what was said stays.
    presence.record(device, Presence.offline());
    presence.record(device, Presence.online("1.1.0"));
    row = row(device);
    assertThat(row.getFirmwareVersion()).isEqualTo("1.1.0");
    assertThat(row.getInfoPlatform()).isEqualTo("esp32-s3");
    assertThat(row.getInfoSystem()).isEqualTo("idf 5.2");

    // A new report replaces every field, those it leaves out included.
    presence.record(
        device, Presence.online("1.1.0", new DeviceInfo("esp32-s3", null, null, null, "idf 5.3")));
    row = row(device);
    assertThat(row.getInfoSystem()).isEqualTo("idf 5.3");
    assertThat(row.getInfoRadio()).isNull();
  }

  @Test
  void theArtifactKindsADeviceDeclaresAreKeptAndWhatDeliveryReadsBack() {
    String device = device();
    presence.record(device, Presence.online("1.0.0"));
    assertThat(row(device).getArtifactKinds()).as("never declared").isNull();

    DeviceCapabilities chains =
        DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA, ArtifactKind.DELTA_CHAIN);
    presence.record(device, Presence.online("1.0.0").withCapabilities(chains));
    assertThat(row(device).getArtifactKinds()).isEqualTo("FULL,DELTA,DELTA_CHAIN");
    assertThat(DeviceCapabilities.ofStored(row(device).getArtifactKinds())).isEqualTo(chains);

    // The last will and an older agent say nothing: what was declared stays.
    presence.record(device, Presence.offline());
    presence.record(device, Presence.online("1.0.0"));
    assertThat(row(device).getArtifactKinds()).isEqualTo("FULL,DELTA,DELTA_CHAIN");

    // A device that lost its base image declares full images only.
    presence.record(
        device,
        Presence.online("1.0.0").withCapabilities(DeviceCapabilities.of(ArtifactKind.FULL)));
    assertThat(row(device).getArtifactKinds()).isEqualTo("FULL");

    // A retained presence that says something else than the row is recorded; the same is not.
    dsl.update(DEVICES)
        .set(DEVICES.LAST_HEARD, DEVICES.LAST_HEARD.minus(60))
        .where(DEVICES.ID.eq(device))
        .execute();
    assertThat(
            presence.recordRetained(
                device, Presence.online("1.0.0").withCapabilities(chains), Instant.now()))
        .isTrue();
    assertThat(
            presence.recordRetained(
                device, Presence.online("1.0.0").withCapabilities(chains), Instant.now()))
        .isFalse();
    assertThat(row(device).getArtifactKinds()).isEqualTo("FULL,DELTA,DELTA_CHAIN");
    assertThat(DeviceCapabilities.ofStored(null)).isNull();
    assertThat(DeviceCapabilities.ofStored("").artifacts()).isEmpty();

    // The branch filters its applier decodes are kept, and a retained presence that names other
    // filters is recorded; one that names none clears them (the legacy filters).
    assertThat(row(device).getDeltaFilters()).isNull();
    DeviceCapabilities filters = chains.withDeltaFilters(List.of("THUMB_BL", "ARM64"));
    assertThat(
            presence.recordRetained(
                device, Presence.online("1.0.0").withCapabilities(filters), Instant.now()))
        .isTrue();
    assertThat(row(device).getDeltaFilters()).isEqualTo("THUMB_BL,ARM64");
    assertThat(
            DeviceCapabilities.ofStored(
                row(device).getArtifactKinds(),
                null,
                null,
                null,
                row(device).getDeltaFilters(),
                row(device).getDeltaCodecs()))
        .isEqualTo(filters);
    presence.record(
        device,
        Presence.online("1.0.0").withCapabilities(filters.withDeltaCodecs(List.of("LZMA"))));
    assertThat(row(device).getDeltaCodecs()).isEqualTo("LZMA");
    presence.record(device, Presence.online("1.0.0").withCapabilities(chains));
    assertThat(row(device).getDeltaFilters()).isNull();
    assertThat(row(device).getDeltaCodecs()).isNull();
  }

  @Test
  void aRetainedPresenceWithInfoIsRecordedWhenTheRowHasNone() {
    String device = device();
    presence.record(device, Presence.online("1.0.0"));
    dsl.update(DEVICES)
        .set(DEVICES.LAST_HEARD, DEVICES.LAST_HEARD.minus(60))
        .where(DEVICES.ID.eq(device))
        .execute();
    DeviceInfo info = new DeviceInfo("stm32f4", null, null, null, null);

    assertThat(presence.recordRetained(device, Presence.online("1.0.0", info), Instant.now()))
        .isTrue();
    assertThat(row(device).getInfoPlatform()).isEqualTo("stm32f4");
    // Said already: nothing to change.
    assertThat(presence.recordRetained(device, Presence.online("1.0.0", info), Instant.now()))
        .isFalse();
  }

  @Test
  void anOnlinePresenceKeepsTheDeclaredFunctionsAndVariablesInOrderAndOneWithoutKeepsThem() {
    String device = device();
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("uptime", "int32");
    variables.put("temperature", "double");
    presence.record(
        device,
        Presence.online("1.0.0", null, new CloudInterface(List.of("reboot", "led"), variables)));
    assertThat(functions(device)).containsExactly("reboot", "led");
    assertThat(variables(device)).containsExactly("uptime:int32", "temperature:double");
    assertThat(row(device).getCloudDeclaredAt()).isNotNull();

    // Without a declaration (an older agent, the last will): what was declared stays.
    presence.record(device, Presence.offline());
    presence.record(device, Presence.online("1.0.0"));
    assertThat(functions(device)).containsExactly("reboot", "led");

    // A new declaration replaces the old one: dropped, added, reordered, retyped.
    Map<String, String> changed = new LinkedHashMap<>();
    changed.put("temperature", "string");
    changed.put("version", "string");
    presence.record(
        device,
        Presence.online("1.0.0", null, new CloudInterface(List.of("setInterval", "led"), changed)));
    assertThat(functions(device)).containsExactly("setInterval", "led");
    assertThat(variables(device)).containsExactly("temperature:string", "version:string");

    // An empty one: the device exposes nothing now.
    presence.record(device, Presence.online("1.0.0", null, CloudInterface.NONE));
    assertThat(functions(device)).isEmpty();
    assertThat(variables(device)).isEmpty();

    // A device that is not registered declares nothing.
    assertThat(
            presence.record(
                "dev-unknown",
                Presence.online("1.0.0", null, new CloudInterface(List.of("led"), Map.of()))))
        .isFalse();
    assertThat(functions("dev-unknown")).isEmpty();
  }

  @Test
  void aRetainedPresenceDeclaresWhenTheRowHasNoDeclarationYet() {
    String device = device();
    presence.record(device, Presence.online("1.0.0"));
    CloudInterface cloud = new CloudInterface(List.of("reboot"), Map.of("uptime", "int32"));
    assertThat(
            presence.recordRetained(
                device, Presence.online("1.0.0", null, cloud), Instant.now().plusSeconds(1)))
        .isTrue();
    assertThat(functions(device)).containsExactly("reboot");
    // The same again changes nothing.
    assertThat(
            presence.recordRetained(
                device, Presence.online("1.0.0", null, cloud), Instant.now().plusSeconds(1)))
        .isFalse();
  }

  private static List<String> functions(String device) {
    return dsl.select(DEVICE_FUNCTIONS.NAME)
        .from(DEVICE_FUNCTIONS)
        .where(DEVICE_FUNCTIONS.DEVICE_ID.eq(device))
        .orderBy(DEVICE_FUNCTIONS.POSITION)
        .fetch(DEVICE_FUNCTIONS.NAME);
  }

  private static List<String> variables(String device) {
    return dsl.select(DEVICE_VARIABLES.NAME, DEVICE_VARIABLES.TYPE)
        .from(DEVICE_VARIABLES)
        .where(DEVICE_VARIABLES.DEVICE_ID.eq(device))
        .orderBy(DEVICE_VARIABLES.POSITION)
        .fetch(r -> r.value1() + ":" + r.value2());
  }

  private static String device() {
    return database.device(database.organizationWithProduct(), false);
  }

  private static DevicesRecord row(String device) {
    return dsl.selectFrom(DEVICES).where(DEVICES.ID.eq(device)).fetchSingle();
  }
}
