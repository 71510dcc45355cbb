package dev.firmament.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.firmament.protocol.LedgerDocuments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ledgers as files in a directory, one {@code ledger-NAME.json} each (ledger names are safe in a
 * file name). A file is replaced atomically, as the slots' state is, so a crash leaves either the
 * old or the new document, never half of one. A file that cannot be read is skipped with a warning:
 * the cloud's copy comes back with the next sync.
 */
public final class FileLedgerStore implements LedgerStore {
  private static final Logger log = LoggerFactory.getLogger(FileLedgerStore.class);
  private static final String PREFIX = "ledger-";
  private static final String SUFFIX = ".json";
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private final Path directory;

  /** Keeps ledgers in {@code directory}, creating it if needed. */
  public FileLedgerStore(Path directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open ledger directory " + directory, e);
    }
  }

  @Override
  public Map<String, LedgerEntry> load() {
    Map<String, LedgerEntry> entries = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
      for (Path file : files) {
        try {
          LedgerEntry entry = JSON.readValue(file.toFile(), LedgerEntry.class);
          LedgerDocuments.requireData("data", entry.data());
          entries.put(entry.name(), entry);
        } catch (IOException | RuntimeException e) {
          log.warn("skipping unreadable ledger file {}: {}", file, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ledger directory " + directory, e);
    }
    return entries;
  }

  @Override
  public void save(LedgerEntry entry) {
    Path file = file(entry.name());
    Path temp = directory.resolve(file.getFileName() + ".tmp");
    try {
      JSON.writeValue(temp.toFile(), entry);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep ledger " + entry.name(), e);
    }
  }

  @Override
  public void remove(String name) {
    try {
      Files.deleteIfExists(file(name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot forget ledger " + name, e);
    }
  }

  private Path file(String name) {
    LedgerDocuments.requireName("name", name);
    return directory.resolve(PREFIX + name + SUFFIX);
  }
}
