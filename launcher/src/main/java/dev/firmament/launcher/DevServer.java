package dev.firmament.launcher;

import dev.firmament.devstack.DevStack;
import dev.firmament.devstack.DevStackOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole of Firmament in one process: the embedded services, then the API and the workers
 * connected to them by address, exactly as they would connect to external ones.
 */
public final class DevServer implements AutoCloseable {
  private final DevStack stack;
  private final ConfigurableApplicationContext context;
  private final int port;

  private DevServer(DevStack stack, ConfigurableApplicationContext context, int port) {
    this.stack = stack;
    this.context = context;
    this.port = port;
  }

  /**
   * Starts the embedded services and the application.
   *
   * @param options where the services keep data and which ports they use
   * @param httpPort the API's port (0 for a free one)
   * @param extraProperties further Spring properties, which win over everything else
   */
  public static DevServer start(
      DevStackOptions options, int httpPort, Map<String, String> extraProperties) {
    DevStack stack = DevStack.start(options);
    try {
      Map<String, String> properties = new LinkedHashMap<>(stack.toProperties());
      properties.put("server.port", Integer.toString(httpPort));
      properties.put("server.address", "127.0.0.1");
      properties.put("spring.main.banner-mode", "off");
      properties.put("spring.application.name", "firmament-dev");
      properties.put("spring.graphql.graphiql.enabled", "true");
      properties.put("logging.config", "classpath:logback-firmament.xml");
      String level = System.getenv().getOrDefault("FIRMAMENT_LOG_LEVEL", "WARN");
      properties.put("logging.level.dev.firmament", level);
      properties.putAll(extraProperties);
      // Command-line style arguments take precedence over any application.properties on the path.
      List<String> args = new ArrayList<>();
      properties.forEach((key, value) -> args.add("--" + key + "=" + value));
      ConfigurableApplicationContext context =
          new SpringApplicationBuilder(DevApplication.class)
              .logStartupInfo(false)
              .run(args.toArray(String[]::new));
      int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
      return new DevServer(stack, context, port);
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  public DevStack stack() {
    return stack;
  }

  public ConfigurableApplicationContext context() {
    return context;
  }

  public int port() {
    return port;
  }

  public String graphqlUrl() {
    return "http://127.0.0.1:" + port + "/graphql";
  }

  @Override
  public void close() {
    try {
      context.close();
    } finally {
      stack.close();
    }
  }
}
