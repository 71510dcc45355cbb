package dev.firmament.launcher;

import dev.firmament.api.device.DeviceSessions;
import dev.firmament.cli.KeysCommand;
import dev.firmament.devstack.DevStack;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.DeviceAccessExtension;
import dev.firmament.manifest.SigningKeys;
import dev.firmament.workers.device.DeviceCredentialCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  /** The organization the dev server creates, and its owner. */
  public static final String DEMO_ORGANIZATION = "demo";

  public static final String DEMO_OWNER = "owner@demo.firmament.dev";

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
    return start(options, httpPort, extraProperties, List.of());
  }

  /**
   * As {@link #start(DevStackOptions, int, Map)}, with further beans in the application (a test's
   * span exporter, for example), registered before any other is made.
   */
  public static DevServer start(
      DevStackOptions options,
      int httpPort,
      Map<String, String> extraProperties,
      List<Object> extraBeans) {
    // Device identity is enforced at the broker, as in production: devices by their issued
    // credentials, the workers by a service account generated for this process.
    BrokerAccess access = new BrokerAccess();
    DevStack stack =
        DevStack.start(options.withMqttExtension(DeviceAccessExtension.embedded(access)));
    try {
      Map<String, String> properties =
          new LinkedHashMap<>(stackProperties(stack, access, options.dataDir()));
      properties.put("server.port", Integer.toString(httpPort));
      properties.put("server.address", "127.0.0.1");
      properties.put("spring.main.banner-mode", "off");
      properties.put("spring.application.name", "firmament-dev");
      properties.put("spring.graphql.graphiql.enabled", "true");
      properties.put("spring.graphql.websocket.path", "/graphql-ws");
      properties.put("spring.graphql.websocket.keep-alive", "15s");
      properties.put("spring.graphql.http.sse.keep-alive", "15s");
      properties.put("spring.graphql.http.sse.timeout", "24h");
      properties.put("logging.config", "classpath:logback.xml");
      // The Prometheus scrape at /actuator/prometheus, open on loopback (docs/observability.md).
      properties.put("management.endpoints.web.exposure.include", "health,prometheus");
      properties.put("management.metrics.tags.role", "dev");
      properties.put("firmament.metrics.open", "true");
      // This process is the embedded broker's one worker, so it hears the devices through plain
      // subscriptions: the embedded HiveMQ's shared subscriptions slow down with their backlog
      // (GatewayOptions#sharedSubscriptions). Roles started against the stack in processes of their
      // own (stackProperties) keep the worker group's shared subscriptions.
      properties.put("firmament.mqtt.shared-subscriptions", "false");
      String level = System.getenv().getOrDefault("FIRMAMENT_LOG_LEVEL", "WARN");
      properties.put("logging.level.dev.firmament", level);
      properties.putAll(extraProperties);
      // Command-line style arguments take precedence over any application.properties on the path.
      List<String> args = new ArrayList<>();
      properties.forEach((key, value) -> args.add("--" + key + "=" + value));
      ConfigurableApplicationContext context =
          new SpringApplicationBuilder(DevApplication.class)
              .logStartupInfo(false)
              // The owner closes it (close(), after whatever still talks to it): Spring's own hook
              // would close the context on Ctrl-C while a fleet still reports to it.
              .registerShutdownHook(false)
              // A replaced device credential ends the device's session on the embedded broker.
              .initializers(
                  ctx -> {
                    ctx.getBeanFactory()
                        .registerSingleton(
                            "deviceSessions", (DeviceSessions) DeviceAccessExtension::disconnect);
                    for (int i = 0; i < extraBeans.size(); i++) {
                      ctx.getBeanFactory().registerSingleton("extra" + i, extraBeans.get(i));
                    }
                  })
              .run(args.toArray(String[]::new));
      access.bind(context.getBean(DeviceCredentialCheck.class));
      int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
      return new DevServer(stack, context, port);
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /**
   * What the application needs to run on the embedded services, whether in this process or as the
   * production roles in processes of their own ({@code firmament services}): the services'
   * addresses, the broker's service account, the dev signing keys (kept under the data directory)
   * and the demo organization with its owner's token file.
   */
  static Map<String, String> stackProperties(DevStack stack, BrokerAccess access, Path dataDir) {
    Map<String, String> properties = new LinkedHashMap<>(stack.toProperties());
    properties.put("firmament.mqtt.username", BrokerAccess.SERVICE_USERNAME);
    properties.put("firmament.mqtt.password", access.serviceSecret());
    // The embedded services run on the repository's development passwords; the production roles
    // started against them (firmament server) are told so explicitly.
    properties.put("firmament.security.allow-development-credentials", "true");
    SigningKeys keys = devSigningKeys(dataDir.resolve("signing"));
    properties.put("firmament.signing.private-key", keys.privateKeyBase64());
    properties.put("firmament.signing.public-key", keys.publicKeyBase64());
    // The dev fleet checks signatures, so a build is rolled out only once its delta build has
    // signed it.
    properties.put("firmament.rollout.require-signed-firmware", "true");
    // The audit log's checkpoints are signed with a key pair of their own, kept like the other.
    SigningKeys auditKeys = devSigningKeys(dataDir.resolve("audit"));
    properties.put("firmament.audit.private-key", auditKeys.privateKeyBase64());
    properties.put("firmament.audit.public-key", auditKeys.publicKeyBase64());
    properties.put(
        "firmament.security.request-signing-key",
        devKey(dataDir.resolve("signing"), KeysCommand.REQUEST_SIGNING_KEY_FILE));
    // Webhooks: a key kept like the request-signing one, and receivers on this machine allowed
    // (the demo's and the tests' receivers listen on loopback).
    properties.put(
        "firmament.webhooks.secret-key",
        devKey(dataDir.resolve("signing"), KeysCommand.WEBHOOKS_KEY_FILE));
    properties.put("firmament.webhooks.allowed-ranges", "127.0.0.0/8,::1/128");
    // The demo organization with its owner, whose token the demo and the user's GraphiQL use.
    properties.put("firmament.bootstrap.organization", DEMO_ORGANIZATION);
    properties.put("firmament.bootstrap.owner-email", DEMO_OWNER);
    properties.put(
        "firmament.bootstrap.token-file", tokenFile(dataDir).toAbsolutePath().toString());
    return properties;
  }

  /**
   * The dev server's manifest signing key pair, generated on first start and kept under the data
   * directory, so that builds signed before a restart still verify after it.
   */
  static SigningKeys devSigningKeys(Path dir) {
    Path privateFile = dir.resolve("ed25519-private.b64");
    Path publicFile = dir.resolve("ed25519-public.b64");
    try {
      if (Files.isRegularFile(privateFile) && Files.isRegularFile(publicFile)) {
        return new SigningKeys(
            Files.readString(privateFile, StandardCharsets.US_ASCII).strip(),
            Files.readString(publicFile, StandardCharsets.US_ASCII).strip());
      }
      Files.createDirectories(dir);
      SigningKeys keys = SigningKeys.generate();
      Files.writeString(publicFile, keys.publicKeyBase64() + "\n", StandardCharsets.US_ASCII);
      Files.writeString(privateFile, keys.privateKeyBase64() + "\n", StandardCharsets.US_ASCII);
      try {
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the data directory's own permissions protect the key.
      }
      return keys;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the dev signing keys in " + dir, e);
    }
  }

  /**
   * A master key (32 random bytes, base64: the request-signing keys' or the webhooks'), generated
   * on first start and kept under the data directory (mode 0600), so what is derived from it
   * survives a restart.
   */
  static String devKey(Path dir, String name) {
    Path file = dir.resolve(name);
    try {
      if (Files.isRegularFile(file)) {
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
      }
      Files.createDirectories(dir);
      byte[] key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      String encoded = java.util.Base64.getEncoder().encodeToString(key);
      Files.writeString(file, encoded + "\n", StandardCharsets.US_ASCII);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the data directory's own permissions protect the key.
      }
      return encoded;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the key " + name + " in " + dir, e);
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

  /** The key devices verify manifest signatures with (base64 X.509). */
  public String signingPublicKey() {
    return context.getEnvironment().getRequiredProperty("firmament.signing.public-key");
  }

  /** Where the owner's API token is kept: {@code <data>/demo-token}, file mode 0600. */
  public static Path tokenFile(Path dataDir) {
    return dataDir.resolve("demo-token");
  }

  /** The demo owner's API token, written at startup (every scope). */
  public String ownerToken() {
    Path file =
        Path.of(context.getEnvironment().getRequiredProperty("firmament.bootstrap.token-file"));
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the owner token from " + file, e);
    }
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
