package dev.firmament.agent;

import dev.firmament.agent.broker.MosquittoTestBroker;
import dev.firmament.agent.broker.SecuredTestBroker;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BrokerContractTests} against Debian's mosquitto, installed when missing and possible;
 * skipped with a message otherwise.
 */
class MosquittoBrokerTest extends BrokerContractTests {

  @TempDir static Path brokerDir;
  private static MosquittoTestBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = MosquittoTestBroker.startOrSkip(brokerDir);
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
  SecuredTestBroker startSecured(Path dir, Map<String, String> secretByDevice) throws Exception {
    return MosquittoTestBroker.startSecuredOrSkip(dir, secretByDevice);
  }
}
