package dev.firmament.launcher;

import dev.firmament.cli.Cli;
import dev.firmament.cli.HelpOption;
import dev.firmament.cli.Ranges;
import dev.firmament.server.FirmamentServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code firmament server ROLE}: one production role ({@code api}, {@code workers}, {@code delta}
 * or {@code all}), the production application unchanged, connected to the services {@code firmament
 * services} runs, by the addresses in its {@code services.properties}. Runs until interrupted.
 */
@Command(
    name = "server",
    description =
        "Run one production role (api, workers, delta or all) as a process of its own against"
            + " the services 'firmament services' runs.")
final class ServerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ROLE", description = "api, workers, delta or all.")
  String role;

  @Option(
      names = "--services",
      paramLabel = "DIR",
      defaultValue = ".firmament/services",
      description = "The services' data directory (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--port",
      paramLabel = "P",
      description =
          "The HTTP port: the API's for api and all (default 8080); for workers and delta the"
              + " management port with the probes and the Prometheus scrape (default 0: a free"
              + " port, printed once running, so that several can run on one host).")
  Integer port;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws InterruptedException {
    if (!FirmamentServer.ROLES.contains(role)) {
      throw new ParameterException(
          spec.commandLine(),
          "ROLE must be one of "
              + String.join(", ", FirmamentServer.ROLES)
              + ", got '"
              + role
              + "'");
    }
    int port = this.port != null ? this.port : role.equals("api") || role.equals("all") ? 8080 : 0;
    Ranges.check(spec, "--port", port, 0, 65_535);
    PrintStream out = Cli.of(spec).out();
    Map<String, String> properties =
        new LinkedHashMap<>(ServicesFile.read(ServicesFile.in(dataDir.toAbsolutePath())));
    properties.put("server.port", Integer.toString(port));
    properties.put("server.address", "127.0.0.1");
    properties.put("spring.main.banner-mode", "off");
    properties.put("logging.config", "classpath:logback.xml");
    properties.put(
        "logging.level.dev.firmament", System.getenv().getOrDefault("FIRMAMENT_LOG_LEVEL", "INFO"));
    List<String> springArgs = new ArrayList<>();
    properties.forEach((key, value) -> springArgs.add("--" + key + "=" + value));
    SpringApplicationBuilder app = FirmamentServer.application(role);
    out.printf("firmament server %s: starting on the services in %s%n", role, dataDir);
    ConfigurableApplicationContext context = app.run(springArgs.toArray(String[]::new));
    out.printf(
        "firmament server %s: running (pid %d, HTTP on 127.0.0.1:%s)%n",
        role,
        ProcessHandle.current().pid(),
        context.getEnvironment().getProperty("local.server.port"));
    // Spring's shutdown hook closes the context on Ctrl-C or a kill; until then, serve.
    while (context.isActive()) {
      Thread.sleep(500);
    }
    return 0;
  }
}
