package dev.firmament.agent.broker;

import dev.firmament.devstack.DeviceAccessExtension;
import dev.firmament.devstack.DeviceAccessExtension.Access;
import dev.firmament.devstack.EmbeddedMqttBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded HiveMQ CE broker of the dev stack, without access control, or with the dev stack's
 * device access extension ({@link #startSecured}).
 */
public final class HiveMqTestBroker implements TestBroker {

  private final EmbeddedMqttBroker broker;

  private HiveMqTestBroker(EmbeddedMqttBroker broker) {
    this.broker = broker;
  }

  /** Starts a broker on a free port that keeps its data in {@code dataDir}. */
  public static HiveMqTestBroker start(Path dataDir) {
    return new HiveMqTestBroker(EmbeddedMqttBroker.start(dataDir, 0, null));
  }

  /**
   * Starts a broker on a free port that admits only the given devices, each with its secret and
   * client id = username = device id, on its own topics, and the API's and the workers' accounts
   * ({@code firmament-api}, {@code firmament-workers}), which the extension lets use every topic,
   * as it does every service client.
   */
  public static SecuredTestBroker startSecured(Path dataDir, Map<String, String> secretByDevice) {
    String apiUsername = "firmament-api";
    String apiPassword = "api-secret";
    String workersUsername = "firmament-workers";
    String workersPassword = "workers-secret";
    Map<String, String> secrets = Map.copyOf(secretByDevice);
    EmbeddedMqttBroker broker =
        EmbeddedMqttBroker.start(
            dataDir,
            0,
            DeviceAccessExtension.embedded(
                (clientId, username, password) -> {
                  String secret = new String(password, StandardCharsets.UTF_8);
                  if (username.equals(apiUsername) && secret.equals(apiPassword)
                      || username.equals(workersUsername) && secret.equals(workersPassword)) {
                    return Access.SERVICE;
                  }
                  return username.equals(clientId) && secret.equals(secrets.get(username))
                      ? Access.DEVICE
                      : Access.DENIED;
                }));
    return new SecuredTestBroker(
        new HiveMqTestBroker(broker), apiUsername, apiPassword, workersUsername, workersPassword);
  }

  @Override
  public String url() {
    return broker.url();
  }

  @Override
  public String name() {
    return "hivemq";
  }

  @Override
  public void close() {
    broker.close();
  }
}
