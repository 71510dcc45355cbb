package dev.firmament.agent;

import dev.firmament.protocol.NetworkConfig;
import java.util.Optional;

/**
 * Where a device keeps the configuration of the network it is a member of, so that it outlives a
 * restart ({@link FileNetworkStore}) or only the process ({@link #inMemory()}, for simulated fleets
 * without a state directory). A device is a member of at most one network, so there is at most one
 * configuration. Called on the agent's serial executor only.
 */
public interface NetworkStore {

  /** The kept configuration, if any. */
  Optional<NetworkConfig> load();

  /** Keeps {@code config}, replacing what was kept; durable when it returns. */
  void save(NetworkConfig config);

  /** Forgets the kept configuration. */
  void clear();

  /** A store that lives as long as the process. */
  static NetworkStore inMemory() {
    return new NetworkStore() {
      private NetworkConfig kept;

      @Override
      public Optional<NetworkConfig> load() {
        return Optional.ofNullable(kept);
      }

      @Override
      public void save(NetworkConfig config) {
        kept = config;
      }

      @Override
      public void clear() {
        kept = null;
      }
    };
  }
}
