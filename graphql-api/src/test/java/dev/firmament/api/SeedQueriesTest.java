package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VARIABLES;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The seed schema's example queries run verbatim against data shaped like a real rollout. */
class SeedQueriesTest extends ApiIntegrationTest {

  @Test
  void listOtaJobsRunsVerbatimAndReportsSuccessPerDevice() {
    String productId = createProduct();
    String prefix = unique("seed");
    List<String> deviceIds = registerDevices(productId, prefix, 3);
    uploadFirmware(productId, "2.0.0", "image 2.0.0".getBytes(StandardCharsets.UTF_8));
    String jobId =
        graphQl
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0")
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    // What the workers would have written: one success, one failure, one still installing.
    recordResult(jobId, deviceIds.get(0), "SUCCEEDED");
    recordResult(jobId, deviceIds.get(1), "FAILED");
    recordResult(jobId, deviceIds.get(2), "INSTALLING");

    var response = graphQl.documentName("ListOTAJobs").variable("productId", productId).execute();

    response.errors().verify();
    response.path("product.firmwareOTAJobs[*].id").entityList(String.class).containsExactly(jobId);
    response
        .path("product.firmwareOTAJobs[0].targetVersion")
        .entity(String.class)
        .isEqualTo("2.0.0");
    response.path("product.firmwareOTAJobs[0].status").entity(String.class).isEqualTo("SCHEDULED");
    response.path("product.firmwareOTAJobs[0].startedAt").valueIsNull();
    response
        .path("product.firmwareOTAJobs[0].results[*].deviceId")
        .entityList(String.class)
        .containsExactly(deviceIds.toArray(String[]::new));
    List<Map<String, Object>> results =
        response
            .path("product.firmwareOTAJobs[0].results")
            .entityList(
                new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {})
            .get();
    assertThat(results).extracting(r -> r.get("success")).containsExactly(true, false, null);
    assertThat(results)
        .extracting(r -> OffsetDateTime.parse((String) r.get("updatedAt")).getOffset().getId())
        .containsOnly("Z");

    var job = graphQl.documentName("GetOTAJob").variable("id", jobId).execute();
    job.errors().verify();
    job.path("firmwareOTAJob.totalDevices").entity(Integer.class).isEqualTo(3);
    job.path("firmwareOTAJob.progress")
        .matchesJson(
            """
            {"queued":0,"inProgress":1,"succeeded":1,"failed":1,"skipped":0,"timedOut":0}""");
    job.path("firmwareOTAJob.results[0].history[*].state")
        .entityList(String.class)
        .containsExactly("QUEUED", "SUCCEEDED");
    job.path("firmwareOTAJob.results[0].device.id")
        .entity(String.class)
        .isEqualTo(deviceIds.get(0));
    job.path("firmwareOTAJob.firmware.version").entity(String.class).isEqualTo("2.0.0");
  }

  @Test
  void listProductDevicesAndGetDeviceRunAsInTheSeed() {
    String productId = createProduct();
    String prefix = unique("fleet");
    List<String> deviceIds = registerDevices(productId, prefix, 3);
    uploadFirmware(productId, "1.0.0", "image 1.0.0".getBytes(StandardCharsets.UTF_8));
    graphQl
        .documentName("CreateDeviceGroup")
        .variable("productId", productId)
        .variable("name", "canary")
        .variable("deviceIds", List.of(deviceIds.get(0)))
        .execute()
        .path("createDeviceGroup.deviceGroup.devices[*].id")
        .entityList(String.class)
        .containsExactly(deviceIds.get(0));
    dsl.update(DEVICES)
        .set(DEVICES.ONLINE, true)
        .set(DEVICES.LAST_IP, "10.0.0.7")
        .set(DEVICES.LAST_HEARD, OffsetDateTime.parse("2026-03-01T12:00:00Z"))
        .where(DEVICES.ID.eq(deviceIds.get(0)))
        .execute();

    var page =
        graphQl
            .documentName("ListProductDevices")
            .variable("productId", productId)
            .variable("page", 1)
            .variable("perPage", 2)
            .execute();
    page.errors().verify();
    page.path("product.devices[*].id")
        .entityList(String.class)
        .containsExactly(deviceIds.get(0), deviceIds.get(1));
    page.path("product.devices[0].deviceGroup.name").entity(String.class).isEqualTo("canary");
    page.path("product.devices[0].online").entity(Boolean.class).isEqualTo(true);
    page.path("product.devices[0].lastIp").entity(String.class).isEqualTo("10.0.0.7");
    page.path("product.devices[1].deviceGroup").valueIsNull();
    graphQl
        .documentName("ListProductDevices")
        .variable("productId", productId)
        .variable("page", 2)
        .variable("perPage", 2)
        .execute()
        .path("product.devices[*].id")
        .entityList(String.class)
        .containsExactly(deviceIds.get(2));

    // What the device declared in its presence (the workers write these rows; see DevicePresence).
    var organization =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(deviceIds.get(0)))
            .fetchSingle(DEVICES.ORGANIZATION_ID);
    dsl.insertInto(DEVICE_FUNCTIONS)
        .columns(
            DEVICE_FUNCTIONS.ORGANIZATION_ID,
            DEVICE_FUNCTIONS.DEVICE_ID,
            DEVICE_FUNCTIONS.NAME,
            DEVICE_FUNCTIONS.POSITION)
        .values(organization, deviceIds.get(0), "reboot", 1)
        .values(organization, deviceIds.get(0), "led", 0)
        .execute();
    dsl.insertInto(DEVICE_VARIABLES)
        .columns(
            DEVICE_VARIABLES.ORGANIZATION_ID,
            DEVICE_VARIABLES.DEVICE_ID,
            DEVICE_VARIABLES.NAME,
            DEVICE_VARIABLES.TYPE,
            DEVICE_VARIABLES.POSITION)
        .values(organization, deviceIds.get(0), "uptime", "int32", 0)
        .execute();
    var device = graphQl.documentName("GetDevice").variable("deviceId", deviceIds.get(0)).execute();
    device.errors().verify();
    device
        .path("device.functions[*].name")
        .entityList(String.class)
        .containsExactly("led", "reboot");
    device.path("device.variables[0].name").entity(String.class).isEqualTo("uptime");
    device.path("device.variables[0].type").entity(String.class).isEqualTo("int32");
    graphQl
        .documentName("GetDevice")
        .variable("deviceId", deviceIds.get(1))
        .execute()
        .path("device.functions")
        .entityList(Object.class)
        .hasSize(0);
    device.path("device.lastHeard").entity(String.class).isEqualTo("2026-03-01T12:00:00Z");
    device.path("device.firmwareVersion.version").entity(String.class).isEqualTo("1.0.0");
    device.path("device.firmwareVersion.title").entity(String.class).isEqualTo("Build 1.0.0");

    graphQl
        .documentName("GetDevice")
        .variable("deviceId", "no-such-device")
        .execute()
        .path("device")
        .valueIsNull();
    graphQl
        .documentName("ListOTAJobs")
        .variable("productId", UUID.randomUUID().toString())
        .execute()
        .path("product")
        .valueIsNull();
  }

  @Test
  void productChildrenAreBatched() {
    String productId = createProduct();
    List<String> deviceIds = registerDevices(productId, unique("kids"), 2);
    uploadFirmware(productId, "3.1.0", new byte[] {1, 2, 3});
    graphQl
        .documentName("CreateDeviceGroup")
        .variable("productId", productId)
        .variable("name", "all")
        .variable("deviceIds", deviceIds)
        .execute()
        .errors()
        .verify();

    var overview =
        graphQl
            .documentName("ProductOverview")
            .variable("productId", productId)
            .variable("perPage", 10)
            .execute();
    overview.errors().verify();
    overview.path("product.firmware.items[0].version").entity(String.class).isEqualTo("3.1.0");
    overview.path("product.firmware.items[0].size").entity(Long.class).isEqualTo(3L);
    overview.path("product.groups.items[0].product.id").entity(String.class).isEqualTo(productId);
    overview
        .path("product.groups.items[0].devices[*].id")
        .entityList(String.class)
        .containsExactly(deviceIds.toArray(String[]::new));
    assertThat(overview.path("product.devices[*].product.id").entityList(String.class).get())
        .containsOnly(productId);
  }

  private void recordResult(String jobId, String deviceId, String state) {
    UUID job = UUID.fromString(jobId);
    UUID organizationId =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(deviceId))
            .fetchSingle()
            .value1();
    dsl.insertInto(OTA_RESULTS)
        .set(OTA_RESULTS.ORGANIZATION_ID, organizationId)
        .set(OTA_RESULTS.JOB_ID, job)
        .set(OTA_RESULTS.DEVICE_ID, deviceId)
        .set(OTA_RESULTS.STATE, state)
        .set(OTA_RESULTS.ARTIFACT_KIND, "FULL")
        .execute();
    for (String step : state.equals("QUEUED") ? List.of("QUEUED") : List.of("QUEUED", state)) {
      dsl.insertInto(OTA_RESULT_HISTORY)
          .set(OTA_RESULT_HISTORY.ORGANIZATION_ID, organizationId)
          .set(OTA_RESULT_HISTORY.JOB_ID, job)
          .set(OTA_RESULT_HISTORY.DEVICE_ID, deviceId)
          .set(OTA_RESULT_HISTORY.STATE, step)
          .set(OTA_RESULT_HISTORY.ATTEMPT, 1)
          .execute();
    }
  }
}
