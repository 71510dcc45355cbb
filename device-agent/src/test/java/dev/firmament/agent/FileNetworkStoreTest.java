package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.NetworkSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's network configuration on disk: kept across a reopen, replaced whole, forgotten. */
class FileNetworkStoreTest {
  private static final String NET = "7b0c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e";

  @TempDir Path dir;

  private static NetworkConfig config(long version, int vlan) {
    return new NetworkConfig(
        NET, version, "VLAN", "NODE", NetworkSettings.parse("{\"vlanId\":" + vlan + "}"));
  }

  @Test
  void aConfigurationIsKeptAcrossAReopenAndReplacedWhole() {
    Path file = dir.resolve("dev-1").resolve("network.json");
    NetworkStore store = new FileNetworkStore(file);
    assertThat(store.load()).isEmpty();
    store.save(config(1, 10));
    store.save(config(2, 11));
    assertThat(new FileNetworkStore(file).load()).contains(config(2, 11));
    assertThat(dir.resolve("dev-1").resolve("network.json.tmp")).doesNotExist();
    store.clear();
    assertThat(new FileNetworkStore(file).load()).isEmpty();
    store.clear();
  }

  @Test
  void aDamagedFileIsSkippedAndTheCloudSendsItAgain() throws Exception {
    Path file = dir.resolve("network.json");
    Files.writeString(file, "{\"type\":\"network\",\"network\":\"" + NET + "\",\"version\":");
    assertThat(new FileNetworkStore(file).load()).isEmpty();
    // Settings that break the rules are not taken either.
    Files.writeString(
        file,
        "{\"type\":\"network\",\"network\":\""
            + NET
            + "\",\"version\":1,\"kind\":\"VLAN\",\"role\":\"NODE\",\"settings\":{\"vlanId\":0}}");
    assertThat(new FileNetworkStore(file).load()).isEmpty();
    // Nor is a removal, or another command.
    Files.writeString(file, "{\"type\":\"network\",\"network\":\"" + NET + "\",\"version\":0}");
    assertThat(new FileNetworkStore(file).load()).isEmpty();
  }

  @Test
  void theInMemoryStoreLivesAsLongAsTheProcess() {
    NetworkStore store = NetworkStore.inMemory();
    store.save(config(1, 5));
    assertThat(store.load()).contains(config(1, 5));
    store.clear();
    assertThat(store.load()).isEmpty();
  }
}
