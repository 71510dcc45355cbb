package dev.firmament.launcher;

import dev.firmament.server.FirmamentServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code firmament server ROLE}: one production role ({@code api}, {@code workers}, {@code delta}
 * or {@code all}), the production application unchanged, connected to the services {@code firmament
 * services} runs, by the addresses in its {@code services.properties}. Runs until interrupted.
 */
final class ServerCommand {
  private ServerCommand() {}

  static int run(List<String> args, PrintStream out) throws InterruptedException {
    if (args.isEmpty() || !FirmamentServer.ROLES.contains(args.getFirst())) {
      throw new Firmament.UsageException(
          "server needs a role: " + String.join(", ", FirmamentServer.ROLES));
    }
    String role = args.getFirst();
    Path dataDir = ServicesCommand.DEFAULT_DATA;
    int port = 8080;
    List<String> queue = new ArrayList<>(args.subList(1, args.size()));
    while (!queue.isEmpty()) {
      String option = queue.removeFirst();
      switch (option) {
        case "--services" -> dataDir = Path.of(Firmament.value(option, queue));
        case "--port" -> port = Firmament.intValue(option, queue, 0, 65_535);
        default -> throw new Firmament.UsageException("unknown option '" + option + "'");
      }
    }
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
    out.printf("firmament server %s: running (pid %d)%n", role, ProcessHandle.current().pid());
    // Spring's shutdown hook closes the context on Ctrl-C or a kill; until then, serve.
    while (context.isActive()) {
      Thread.sleep(500);
    }
    return 0;
  }
}
