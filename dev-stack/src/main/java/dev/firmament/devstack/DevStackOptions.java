package dev.firmament.devstack;

import com.hivemq.embedded.EmbeddedExtension;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link DevStack#start} starts and where.
 *
 * @param dataDir root of the services' data; {@code postgres/}, {@code s3/} and {@code mqtt/} live
 *     below it
 * @param fresh wipe {@code dataDir} before starting (only if it is empty or was created by the dev
 *     stack)
 * @param postgresPort PostgreSQL port, 0 for a free one
 * @param temporalPort Temporal gRPC port, 0 for a free one
 * @param s3Port S3 endpoint port, 0 for a free one
 * @param mqttPort MQTT broker port, 0 for a free one
 * @param services the services to start
 * @param mqttExtension HiveMQ embedded extension for the broker (e.g. device authentication and
 *     authorization), or {@code null}
 * @param postgresExitHook whether PostgreSQL stops by itself when the JVM exits (a hook of its
 *     own); off for an owner that closes the stack itself, in order, from its own hook
 */
public record DevStackOptions(
    Path dataDir,
    boolean fresh,
    int postgresPort,
    int temporalPort,
    int s3Port,
    int mqttPort,
    Set<DevStack.Service> services,
    EmbeddedExtension mqttExtension,
    boolean postgresExitHook) {

  public static final int DEFAULT_POSTGRES_PORT = 0;
  public static final int DEFAULT_TEMPORAL_PORT = 7233;
  public static final int DEFAULT_S3_PORT = 0;
  public static final int DEFAULT_MQTT_PORT = 1883;

  public DevStackOptions {
    Objects.requireNonNull(dataDir, "dataDir");
    FreePorts.checkPort(postgresPort);
    FreePorts.checkPort(temporalPort);
    FreePorts.checkPort(s3Port);
    FreePorts.checkPort(mqttPort);
    Objects.requireNonNull(services, "services");
    services =
        services.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(services)); // immutable, no nulls
  }

  /**
   * The launcher's defaults: data under {@code .firmament/data} in the working directory, kept
   * between runs; PostgreSQL and S3 on free ports, Temporal on 7233, MQTT on 1883; all services.
   */
  public static DevStackOptions defaults() {
    return new DevStackOptions(
        Path.of("").toAbsolutePath().resolve(".firmament").resolve("data"),
        false,
        DEFAULT_POSTGRES_PORT,
        DEFAULT_TEMPORAL_PORT,
        DEFAULT_S3_PORT,
        DEFAULT_MQTT_PORT,
        EnumSet.allOf(DevStack.Service.class),
        null,
        true);
  }

  /** For tests: all services on free ports, data under {@code dataDir}. */
  public static DevStackOptions onFreePorts(Path dataDir) {
    return new DevStackOptions(
        dataDir, false, 0, 0, 0, 0, EnumSet.allOf(DevStack.Service.class), null, true);
  }

  public DevStackOptions withDataDir(Path dataDir) {
    return edit(b -> b.dataDir = dataDir);
  }

  public DevStackOptions withFresh(boolean fresh) {
    return edit(b -> b.fresh = fresh);
  }

  public DevStackOptions withPostgresPort(int port) {
    return edit(b -> b.postgresPort = port);
  }

  public DevStackOptions withTemporalPort(int port) {
    return edit(b -> b.temporalPort = port);
  }

  public DevStackOptions withS3Port(int port) {
    return edit(b -> b.s3Port = port);
  }

  public DevStackOptions withMqttPort(int port) {
    return edit(b -> b.mqttPort = port);
  }

  /** Starts only {@code services} (in the stack's fixed order, whatever the order given). */
  public DevStackOptions withServices(DevStack.Service... services) {
    return edit(b -> b.services = Set.of(services));
  }

  public DevStackOptions withMqttExtension(EmbeddedExtension extension) {
    return edit(b -> b.mqttExtension = extension);
  }

  /** PostgreSQL does not stop by itself at JVM exit: the owner closes the stack in order. */
  public DevStackOptions withoutPostgresExitHook() {
    return edit(b -> b.postgresExitHook = false);
  }

  public boolean starts(DevStack.Service service) {
    return services.contains(service);
  }

  /**
   * A mutable copy of these settings, so that each {@code with…} method names only what it changes.
   */
  private static final class Editor {
    private Path dataDir;
    private boolean fresh;
    private int postgresPort;
    private int temporalPort;
    private int s3Port;
    private int mqttPort;
    private Set<DevStack.Service> services;
    private EmbeddedExtension mqttExtension;
    private boolean postgresExitHook;

    Editor(DevStackOptions from) {
      dataDir = from.dataDir;
      fresh = from.fresh;
      postgresPort = from.postgresPort;
      temporalPort = from.temporalPort;
      s3Port = from.s3Port;
      mqttPort = from.mqttPort;
      services = from.services;
      mqttExtension = from.mqttExtension;
      postgresExitHook = from.postgresExitHook;
    }

    DevStackOptions build() {
      return new DevStackOptions(
          dataDir,
          fresh,
          postgresPort,
          temporalPort,
          s3Port,
          mqttPort,
          services,
          mqttExtension,
          postgresExitHook);
    }
  }

  private DevStackOptions edit(java.util.function.Consumer<Editor> change) {
    Editor editor = new Editor(this);
    change.accept(editor);
    return editor.build();
  }
}
