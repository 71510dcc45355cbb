package dev.firmament.launcher;

import dev.firmament.cli.FirmamentCli;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The addresses and credentials of the services {@code firmament services} runs, kept in {@code
 * <data>/services.properties} (mode 0600: it holds the broker's service secret and the dev keys),
 * from which {@code firmament server} and {@code firmament fleet} connect to them.
 */
final class ServicesFile {
  static final String NAME = "services.properties";

  private ServicesFile() {}

  static Path in(Path dataDir) {
    return dataDir.resolve(NAME);
  }

  static void write(Path file, Map<String, String> properties) {
    Properties out = new Properties();
    out.putAll(properties);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path partial = file.resolveSibling(NAME + ".partial");
      try (Writer writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
        out.store(writer, "Firmament services: addresses and credentials for the server roles");
      }
      try {
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the data directory's own permissions protect it.
      }
      Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * The properties in {@code file}, sorted by key.
   *
   * @throws FirmamentCli.UsageException when there is no such file (the services are not running)
   */
  static Map<String, String> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new FirmamentCli.UsageException(
          "no " + file + ": start the services first with 'firmament services'");
    }
    Properties in = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      in.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    Map<String, String> properties = new TreeMap<>();
    in.stringPropertyNames().forEach(key -> properties.put(key, in.getProperty(key)));
    return new LinkedHashMap<>(properties);
  }

  static String required(Map<String, String> properties, String key, Path file) {
    String value = properties.get(key);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(file + " has no " + key);
    }
    return value;
  }
}
