package dev.firmament.agent;

import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.util.Objects;
import java.util.Properties;

/**
 * Slots as files in a directory: {@code slot-A.img}, {@code slot-B.img}, {@code staging.patch} (a
 * delta patch while it downloads), {@code scratch.img} (an image between two steps of a chain) and
 * {@code slots.properties} (active slot and the version in each slot). The properties file is
 * replaced atomically, so a crash leaves either the old or the new active slot, like a boot flag.
 */
public final class FileSlotStore implements SlotStore {

  private static final String STATE_FILE = "slots.properties";
  private static final String STAGING_FILE = "staging.patch";
  private static final String SCRATCH_FILE = "scratch.img";

  private final Path directory;
  private final Properties state = new Properties();

  /**
   * Opens the slots in {@code directory}, creating them with slot A running {@code initialVersion}
   * if the directory holds none yet.
   */
  public FileSlotStore(Path directory, String initialVersion) {
    this(directory, initialVersion, null);
  }

  /**
   * Opens the slots in {@code directory}, creating them with slot A running {@code initialVersion}
   * from {@code initialImage} (may be null: a version without bytes) if the directory holds none
   * yet.
   */
  public FileSlotStore(Path directory, String initialVersion, byte[] initialImage) {
    this.directory = Objects.requireNonNull(directory, "directory");
    try {
      Files.createDirectories(directory);
      Path file = directory.resolve(STATE_FILE);
      if (Files.exists(file)) {
        try (InputStream in = Files.newInputStream(file)) {
          state.load(in);
        }
      } else {
        state.setProperty("active", SlotId.A.name());
        state.setProperty(
            "version." + SlotId.A, Objects.requireNonNull(initialVersion, "initialVersion"));
        if (initialImage != null) {
          Files.write(image(SlotId.A), initialImage);
        }
        saveState();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open slot directory " + directory, e);
    }
  }

  @Override
  public SlotId activeSlot() {
    return SlotId.valueOf(state.getProperty("active"));
  }

  @Override
  public String version(SlotId slot) {
    return state.getProperty("version." + slot);
  }

  @Override
  public SeekableSource openActive() throws IOException {
    Path image = image(activeSlot());
    return Files.exists(image) ? SeekableSource.open(image) : null;
  }

  @Override
  public void eraseStaging() throws IOException {
    Files.deleteIfExists(directory.resolve(STAGING_FILE));
  }

  @Override
  public void writeStaging(long offset, byte[] data, int off, int len) throws IOException {
    write(directory.resolve(STAGING_FILE), offset, data, off, len);
  }

  @Override
  public SeekableSource openStaging() throws IOException {
    return openCreating(directory.resolve(STAGING_FILE));
  }

  @Override
  public SeekableSource openInactive() throws IOException {
    return openCreating(image(activeSlot().other()));
  }

  @Override
  public void eraseScratch() throws IOException {
    Files.deleteIfExists(directory.resolve(SCRATCH_FILE));
  }

  @Override
  public void writeScratch(long offset, byte[] data, int off, int len) throws IOException {
    write(directory.resolve(SCRATCH_FILE), offset, data, off, len);
  }

  @Override
  public SeekableSource openScratch() throws IOException {
    return openCreating(directory.resolve(SCRATCH_FILE));
  }

  private static SeekableSource openCreating(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createFile(file);
    }
    return SeekableSource.open(file);
  }

  @Override
  public void eraseInactive() throws IOException {
    SlotId inactive = activeSlot().other();
    state.remove("version." + inactive);
    saveState();
    Files.deleteIfExists(image(inactive));
    Files.createFile(image(inactive));
  }

  @Override
  public void writeInactive(long offset, byte[] data, int off, int len) throws IOException {
    write(image(activeSlot().other()), offset, data, off, len);
  }

  private static void write(Path file, long offset, byte[] data, int off, int len)
      throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(data, off, len);
      long position = offset;
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
    }
  }

  @Override
  public long inactiveLength() throws IOException {
    Path image = image(activeSlot().other());
    return Files.exists(image) ? Files.size(image) : 0;
  }

  @Override
  public String sha256Inactive() throws IOException {
    try (InputStream in =
        new DigestInputStream(
            Files.newInputStream(image(activeSlot().other())), Sha256.newDigest())) {
      in.transferTo(OutputStream.nullOutputStream());
      return Sha256.hex(((DigestInputStream) in).getMessageDigest());
    }
  }

  @Override
  public void activateInactive(String version) throws IOException {
    SlotId target = activeSlot().other();
    state.setProperty("version." + target, Objects.requireNonNull(version, "version"));
    state.setProperty("active", target.name());
    saveState();
  }

  @Override
  public void revertTo(SlotId slot) throws IOException {
    if (version(slot) == null) {
      throw new IllegalStateException("slot " + slot + " holds no installed image");
    }
    state.setProperty("active", slot.name());
    saveState();
  }

  /** The image file of a slot. */
  public Path image(SlotId slot) {
    return directory.resolve("slot-" + slot + ".img");
  }

  private void saveState() throws IOException {
    Path temp = directory.resolve(STATE_FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(temp)) {
      state.store(out, "firmament device slots");
    }
    Files.move(
        temp,
        directory.resolve(STATE_FILE),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
