package dev.firmament.agent.broker;

import dev.firmament.devstack.EmbeddedMqttBroker;
import java.nio.file.Path;

/** The embedded HiveMQ CE broker of the dev stack, without access control. */
public final class HiveMqTestBroker implements TestBroker {

  private final EmbeddedMqttBroker broker;

  private HiveMqTestBroker(EmbeddedMqttBroker broker) {
    this.broker = broker;
  }

  /** Starts a broker on a free port that keeps its data in {@code dataDir}. */
  public static HiveMqTestBroker start(Path dataDir) {
    return new HiveMqTestBroker(EmbeddedMqttBroker.start(dataDir, 0, null));
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
