package dev.firmament.launcher;

import dev.firmament.cli.Cli;
import dev.firmament.cli.HelpOption;
import dev.firmament.devstack.DevStack;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.DeviceAccessExtension;
import dev.firmament.devstack.Endpoints;
import dev.firmament.workers.device.DeviceCredentialCheck;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code firmament services}: only the embedded services (PostgreSQL, Temporal, S3, the MQTT broker
 * with device identity enforced), for the production roles to run as processes of their own against
 * them ({@code firmament server api|workers|delta}), with the fleet simulator as another ({@code
 * firmament fleet}). Writes their addresses and credentials to {@code <data>/services.properties},
 * prints them, and runs until interrupted.
 */
@Command(
    name = "services",
    description =
        "Start only the embedded services (PostgreSQL, Temporal, S3, MQTT broker), write their"
            + " addresses to DIR/services.properties and print them.")
final class ServicesCommand implements Callable<Integer> {
  static final Path DEFAULT_DATA = Path.of(".firmament", "services");

  @Spec CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      defaultValue = ".firmament/services",
      description = "Where the services keep their data (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--fresh", description = "Start from empty data.")
  boolean fresh;

  @Option(names = "--free-ports", description = "Run every service on a free port.")
  boolean freePorts;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws InterruptedException {
    PrintStream out = Cli.of(spec).out();
    Path data = dataDir.toAbsolutePath();
    DevStackOptions options =
        (freePorts ? DevStackOptions.onFreePorts(data) : DevStackOptions.defaults())
            .withDataDir(data)
            .withFresh(fresh);
    out.printf("firmament services: starting the embedded services (data in %s)%n", data);
    BrokerAccess access = new BrokerAccess();
    DevStack stack =
        DevStack.start(options.withMqttExtension(DeviceAccessExtension.embedded(access)));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("firmament services: stopping");
                  stack.close();
                  stopped.countDown();
                },
                "services-shutdown"));
    Endpoints endpoints = stack.endpoints();
    // The broker checks devices' secrets in PostgreSQL itself (the schema comes with the api
    // role), through a small pool that reconnects after PostgreSQL restarts.
    access.bind(
        new DeviceCredentialCheck(
            DSL.using(FaultCampaign.brokerPool(endpoints), SQLDialect.POSTGRES)));
    Map<String, String> properties =
        new java.util.LinkedHashMap<>(DevServer.stackProperties(stack, access, data));
    // Roles run as processes of their own and may be killed: the embedded Temporal never gives a
    // lost worker's sticky workflow tasks to another, so workflows are not sticky here.
    properties.put("firmament.temporal.sticky-execution", "false");
    Path file = ServicesFile.in(data);
    ServicesFile.write(file, properties);
    print(out, endpoints, file, dataDir);
    stopped.await();
    return 0;
  }

  private static void print(PrintStream out, Endpoints endpoints, Path file, Path dataDir) {
    out.printf(
        """
        firmament services: ready
          PostgreSQL  %s
          Temporal    %s (namespace %s)
          S3          %s (device links: %s, certificate %s)
          MQTT        %s (devices by their issued credentials only)
          settings    %s
        run the roles, each in a terminal of its own:
          ./firmament server api --services %s
          ./firmament server workers --services %s      (as many as you like)
          ./firmament server delta --services %s
          ./firmament fleet --services %s --devices 100
        stop with Ctrl-C
        """,
        endpoints.jdbcUrl(),
        endpoints.temporalTarget(),
        endpoints.temporalNamespace(),
        endpoints.s3Endpoint(),
        endpoints.s3PublicEndpoint(),
        endpoints.s3Certificate(),
        endpoints.mqttUrl(),
        file,
        dataDir,
        dataDir,
        dataDir,
        dataDir);
  }
}
