package dev.firmament.agent;

import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.ProtocolCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network configuration as one file ({@code network.json} in the device's state directory),
 * written as the cloud sent it and replaced atomically, so a crash leaves the old or the new
 * configuration, never half of one. A file that cannot be read, or that breaks the protocol's
 * rules, is skipped with a warning: the device then holds none, and the cloud sends it again at the
 * next sync.
 */
public final class FileNetworkStore implements NetworkStore {
  private static final Logger log = LoggerFactory.getLogger(FileNetworkStore.class);
  private static final ProtocolCodec CODEC = new ProtocolCodec();

  private final Path file;

  /** Keeps the configuration in {@code file}, creating its directory if needed. */
  public FileNetworkStore(Path file) {
    this.file = Objects.requireNonNull(file, "file");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the directory of " + file, e);
    }
  }

  @Override
  public Optional<NetworkConfig> load() {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      if (CODEC.decodeCommand(Files.readAllBytes(file)) instanceof NetworkConfig config
          && !config.isRemoval()) {
        return Optional.of(config);
      }
      log.warn("skipping network file {}: not a network configuration", file);
    } catch (IOException | MalformedMessageException e) {
      log.warn("skipping unreadable network file {}: {}", file, e.getMessage());
    }
    return Optional.empty();
  }

  @Override
  public void save(NetworkConfig config) {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.write(temp, CODEC.encodeCommand(config));
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the network configuration", e);
    }
  }

  @Override
  public void clear() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot forget the network configuration", e);
    }
  }
}
