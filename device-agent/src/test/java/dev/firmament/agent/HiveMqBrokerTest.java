package dev.firmament.agent;

import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.agent.broker.SecuredTestBroker;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link BrokerContractTests} against the embedded HiveMQ CE broker. */
class HiveMqBrokerTest extends BrokerContractTests {

  @TempDir static Path brokerDir;
  private static HiveMqTestBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = HiveMqTestBroker.start(brokerDir);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Override
  String brokerUrl() {
    return broker.url();
  }

  @Override
  SecuredTestBroker startSecured(Path dir, Map<String, String> secretByDevice) {
    return HiveMqTestBroker.startSecured(dir, secretByDevice);
  }
}
