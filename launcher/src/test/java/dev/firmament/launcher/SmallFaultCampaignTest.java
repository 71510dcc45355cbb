package dev.firmament.launcher;

import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.devstack.DevStack;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.DeviceAccessExtension;
import dev.firmament.devstack.EmbeddedMqttBroker;
import dev.firmament.devstack.FreePorts;
import dev.firmament.server.FirmamentServer;
import dev.firmament.workers.device.DeviceCredentialCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The fault campaign's small version, on the production topology: the embedded services, the API in
 * this process, two worker processes (the production role, started as {@code firmament server
 * workers}) and 200 simulated devices. During one rollout a worker is killed ({@code kill -9}) and
 * the broker is restarted. The rollout completes, every device ends SUCCEEDED exactly once, no
 * device installs twice, and PostgreSQL counts what the devices did.
 */
class SmallFaultCampaignTest {
  private static final int DEVICES = 200;

  @TempDir Path dataDir;

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void aRolloutSurvivesAWorkerKillAndABrokerRestart() throws Exception {
    BrokerAccess access = new BrokerAccess();
    int mqttPort = FreePorts.pick();
    Path brokerDir = dataDir.resolve("mqtt");
    List<Process> workers = new ArrayList<>();
    EmbeddedMqttBroker broker = null;
    ConfigurableApplicationContext api = null;
    try (DevStack stack =
        DevStack.start(
            DevStackOptions.onFreePorts(dataDir)
                .withServices(
                    DevStack.Service.POSTGRES, DevStack.Service.TEMPORAL, DevStack.Service.S3))) {
      broker =
          EmbeddedMqttBroker.start(brokerDir, mqttPort, DeviceAccessExtension.embedded(access));
      DSLContext dsl =
          DSL.using(
              stack.endpoints().jdbcUrl(),
              stack.endpoints().dbUser(),
              stack.endpoints().dbPassword());
      access.bind(new DeviceCredentialCheck(dsl));

      Map<String, String> services =
          new LinkedHashMap<>(DevServer.stackProperties(stack, access, dataDir));
      services.put("firmament.mqtt.url", broker.url());
      // Faults are found in seconds here, not in a minute.
      services.put("firmament.rollout.delivery-heartbeat", "6s");
      services.put("firmament.delivery.heartbeat-interval", "1s");
      services.put("firmament.delivery.completion-retry-seconds", "2");
      ServicesFile.write(ServicesFile.in(dataDir), services);

      List<String> apiArgs = new ArrayList<>();
      services.forEach((key, value) -> apiArgs.add("--" + key + "=" + value));
      apiArgs.add("--server.port=0");
      apiArgs.add("--server.address=127.0.0.1");
      apiArgs.add("--logging.level.dev.firmament=WARN");
      api = FirmamentServer.application("api").run(apiArgs.toArray(String[]::new));
      int apiPort = Integer.parseInt(api.getEnvironment().getProperty("local.server.port"));
      workers.add(startWorker("worker-1"));
      workers.add(startWorker("worker-2"));
      // Presence goes to the workers' shared subscription, which keeps nothing for later: the
      // devices connect once the workers listen.
      awaitRunning("worker-1");
      awaitRunning("worker-2");

      GraphqlClient client =
          new GraphqlClient(
              "http://127.0.0.1:" + apiPort + "/graphql",
              Files.readString(DevServer.tokenFile(dataDir)).strip());
      Demo demo = new Demo(System.out);
      Demo.Prepared prepared = demo.prepareProduct(client, Demo.fleetSpecs("chaos", DEVICES));
      try (FleetSimulator fleet =
          FleetSimulator.start(
              broker.url(),
              prepared.devices(),
              Demo.fleetOptions(services.get("firmament.signing.public-key"), prepared.productId())
                  // Every transfer takes a while, so that faults strike mid-delivery.
                  .withSlowLink(1.0, Duration.ofMillis(1500)))) {
        demo.awaitFleetReported(client, DEVICES);
        demo.uploadIfMissing(client, prepared.productId(), Demo.FROM_VERSION, "armapp.old");
        demo.uploadIfMissing(client, prepared.productId(), Demo.TO_VERSION, "armapp.new");
        demo.awaitDeltas(client, prepared.productId());
        UUID jobId =
            UUID.fromString(
                client
                    .execute(
                        """
                        mutation Roll($input: CreateOTAJobInput!) {
                          createOTAJob(input: $input) { job { id } }
                        }""",
                        Map.of(
                            "input",
                            Map.of(
                                "productId",
                                prepared.productId(),
                                "targetVersion",
                                Demo.TO_VERSION,
                                "maxInFlight",
                                20)))
                    .path("createOTAJob")
                    .path("job")
                    .path("id")
                    .asText());

        awaitSucceeded(dsl, jobId, DEVICES / 5);
        // kill -9 of a worker in the middle of deliveries.
        workers.getFirst().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        System.out.println("campaign: worker-1 killed");
        awaitSucceeded(dsl, jobId, DEVICES / 2);
        // The broker restarts: every session and in-flight message is gone.
        broker.close();
        broker =
            EmbeddedMqttBroker.start(brokerDir, mqttPort, DeviceAccessExtension.embedded(access));
        System.out.println("campaign: broker restarted");

        await()
            .atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> "SUCCEEDED".equals(jobStatus(client, jobId)));
        System.out.println("campaign: rollout " + jobId + " succeeded");

        // Every device ended once, SUCCEEDED; PostgreSQL counts what the devices did.
        assertThat(
                dsl.fetchCount(
                    OTA_RESULTS,
                    OTA_RESULTS.JOB_ID.eq(jobId).and(OTA_RESULTS.STATE.eq("SUCCEEDED"))))
            .isEqualTo(DEVICES);
        assertThat(
                dsl.fetchCount(
                    OTA_RESULT_HISTORY,
                    OTA_RESULT_HISTORY
                        .JOB_ID
                        .eq(jobId)
                        .and(OTA_RESULT_HISTORY.STATE.eq("SUCCEEDED"))))
            .isEqualTo(DEVICES);
        List<DeviceSnapshot> devices = fleet.devices();
        assertThat(devices).hasSize(DEVICES);
        // No device installed the update twice.
        assertThat(devices).allSatisfy(d -> assertThat(d.installs()).isEqualTo(1));
        assertThat(devices)
            .allSatisfy(d -> assertThat(d.currentVersion()).isEqualTo(Demo.TO_VERSION));
      }
    } finally {
      for (Process worker : workers) {
        worker.destroyForcibly();
      }
      keepWorkerLogs();
      if (api != null) {
        api.close();
      }
      if (broker != null) {
        broker.close();
      }
    }
  }

  /** The worker processes' logs, kept where the build's reports are, to read after a failure. */
  private void keepWorkerLogs() throws IOException {
    Path kept = Path.of("target", "fault-campaign");
    Files.createDirectories(kept);
    for (String name : List.of("worker-1.log", "worker-2.log")) {
      Path log = dataDir.resolve(name);
      if (Files.exists(log)) {
        Files.copy(log, kept.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private Process startWorker(String name) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path log = dataDir.resolve(name + ".log");
    return new ProcessBuilder(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Xmx384m",
            "-cp",
            System.getProperty("java.class.path"),
            Firmament.class.getName(),
            "server",
            "workers",
            "--services",
            dataDir.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private void awaitRunning(String name) {
    Path log = dataDir.resolve(name + ".log");
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> Files.exists(log) && Files.readString(log).contains("workers: running"));
  }

  private static void awaitSucceeded(DSLContext dsl, UUID jobId, int count) {
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                dsl.fetchCount(
                        OTA_RESULTS,
                        OTA_RESULTS.JOB_ID.eq(jobId).and(OTA_RESULTS.STATE.eq("SUCCEEDED")))
                    >= count);
  }

  private static String jobStatus(GraphqlClient client, UUID jobId) {
    return client
        .execute(
            "query J($id: ID!) { firmwareOTAJob(id: $id) { status } }",
            Map.of("id", jobId.toString()))
        .path("firmwareOTAJob")
        .path("status")
        .asText();
  }
}
