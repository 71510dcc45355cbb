package dev.firmament.agent;

import dev.firmament.delta.inplace.ApplyJournal;
import dev.firmament.delta.inplace.SlotMemory;
import dev.firmament.protocol.SlotLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A single-slot device's storage: its one flash slot (the running image, rewritten in place by an
 * update), the download area a patch is received into, the apply journal and the running version.
 * In memory, or in a directory that keeps all of it across restarts ({@code slot.bin}, {@code
 * patch.bin}, {@code journal}, {@code version}; the journal and version are replaced by rename, so
 * a record is written whole or not at all).
 *
 * <p>The power-cut knob makes the flash lose power once, in the middle of its {@code n}-th write
 * after the knob is set: half of that write's bytes are programmed, then {@link PowerLoss} is
 * thrown.
 */
final class InPlaceStore implements SlotMemory, ApplyJournal {
  private final SlotLayout layout;
  private final int eraseSize;
  private final Path dir;
  private final byte[] flash;
  private final ByteArrayOutputStream download = new ByteArrayOutputStream();
  private final long downloadCapacity;
  private String version;
  private String journal;
  private int writesUntilCut = -1;
  private int powerLosses;

  private InPlaceStore(
      SlotLayout layout,
      int eraseSize,
      long downloadCapacity,
      Path dir,
      String version,
      byte[] image) {
    if (!layout.inPlace()) {
      throw new IllegalArgumentException("an in-place store needs an IN_PLACE slot layout");
    }
    if (image.length > layout.size()) {
      throw new IllegalArgumentException(
          "an image of " + image.length + " bytes does not fit a slot of " + layout.size());
    }
    this.layout = layout;
    this.eraseSize = eraseSize;
    this.downloadCapacity = downloadCapacity;
    this.dir = dir;
    this.flash = new byte[Math.toIntExact(layout.size())];
    Arrays.fill(flash, (byte) 0xff);
    System.arraycopy(image, 0, flash, 0, image.length);
    this.version = Objects.requireNonNull(version, "version");
  }

  /**
   * A store holding {@code image} of {@code version} in a slot of {@code layout}, with a download
   * area of {@code downloadCapacity} bytes; in {@code dir} when not null (what is there already is
   * kept: a device that restarts finds its slot, journal and version as it left them).
   */
  static InPlaceStore open(
      SlotLayout layout, long downloadCapacity, Path dir, String version, byte[] image) {
    InPlaceStore store =
        new InPlaceStore(
            layout, Math.min(layout.segment(), 4096), downloadCapacity, dir, version, image);
    if (dir != null) {
      store.load();
    }
    return store;
  }

  private void load() {
    try {
      Files.createDirectories(dir);
      Path slot = dir.resolve("slot.bin");
      if (Files.exists(slot)) {
        byte[] kept = Files.readAllBytes(slot);
        System.arraycopy(kept, 0, flash, 0, Math.min(kept.length, flash.length));
        version = Files.readString(dir.resolve("version"), StandardCharsets.UTF_8).strip();
        Path j = dir.resolve("journal");
        journal = Files.exists(j) ? Files.readString(j, StandardCharsets.UTF_8).strip() : null;
        Path p = dir.resolve("patch.bin");
        if (Files.exists(p)) {
          download.writeBytes(Files.readAllBytes(p));
        }
      } else {
        Files.write(slot, flash);
        replace("version", version);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the slot in " + dir, e);
    }
  }

  SlotLayout layout() {
    return layout;
  }

  String version() {
    return version;
  }

  /** Loses power in the middle of the {@code writes}-th flash write from now (1 for the next). */
  void cutPowerAtWrite(int writes) {
    writesUntilCut = writes;
  }

  /** How often the power went during a write. */
  int powerLosses() {
    return powerLosses;
  }

  // ---- the slot ----

  @Override
  public long size() {
    return flash.length;
  }

  @Override
  public int eraseSize() {
    return eraseSize;
  }

  @Override
  public void read(long address, byte[] into, int off, int len) {
    System.arraycopy(flash, Math.toIntExact(address), into, off, len);
  }

  @Override
  public void write(long address, byte[] from, int off, int len) throws IOException {
    if (address % eraseSize != 0) {
      throw new IOException("a flash write must start at an erase block, not at " + address);
    }
    int at = Math.toIntExact(address);
    int erased = Math.min(flash.length, at + (len + eraseSize - 1) / eraseSize * eraseSize);
    Arrays.fill(flash, at, erased, (byte) 0xff);
    boolean cut = writesUntilCut > 0 && --writesUntilCut == 0;
    int programmed = cut ? len / 2 : len;
    System.arraycopy(from, off, flash, at, programmed);
    if (dir != null) {
      try (var file = new java.io.RandomAccessFile(dir.resolve("slot.bin").toFile(), "rw")) {
        file.seek(at);
        file.write(flash, at, erased - at);
      }
    }
    if (cut) {
      writesUntilCut = -1;
      powerLosses++;
      throw new PowerLoss();
    }
  }

  /** The SHA-256 of the slot's first {@code length} bytes. */
  String sha256(long length) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update(flash, 0, Math.toIntExact(length));
      return HexFormat.of().formatHex(sha.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- the download area ----

  /** Empties the download area. */
  void eraseDownload() throws IOException {
    download.reset();
    if (dir != null) {
      Files.deleteIfExists(dir.resolve("patch.bin"));
    }
  }

  /** Writes received bytes at {@code offset} of the download area. */
  void writeDownload(long offset, byte[] bytes) throws IOException {
    if (offset + bytes.length > downloadCapacity) {
      throw new IOException(
          "the download area holds " + downloadCapacity + " bytes, not " + (offset + bytes.length));
    }
    byte[] now = download.toByteArray();
    byte[] next = Arrays.copyOf(now, (int) Math.max(now.length, offset + bytes.length));
    System.arraycopy(bytes, 0, next, (int) offset, bytes.length);
    download.reset();
    download.writeBytes(next);
    if (dir != null) {
      Files.write(dir.resolve("patch.bin"), next);
    }
  }

  long downloadCapacity() {
    return downloadCapacity;
  }

  byte[] downloaded() {
    return download.toByteArray();
  }

  // ---- the journal and the version ----

  @Override
  public long stepsDone(byte[] patchSha256) {
    if (journal == null) {
      return NOT_STARTED;
    }
    String[] parts = journal.split(" ");
    return parts[0].equals(HexFormat.of().formatHex(patchSha256))
        ? Long.parseLong(parts[1])
        : NOT_STARTED;
  }

  @Override
  public void record(byte[] patchSha256, long steps) throws IOException {
    String next = HexFormat.of().formatHex(patchSha256) + " " + steps;
    if (dir != null) {
      replace("journal", next);
    }
    journal = next;
  }

  /** The slot now runs {@code newVersion}: the journal and download are done with. */
  void installed(String newVersion) throws IOException {
    if (dir != null) {
      replace("version", newVersion);
      Files.deleteIfExists(dir.resolve("journal"));
    }
    version = newVersion;
    journal = null;
    eraseDownload();
  }

  /** Whether an apply was started and not finished (the boot loader goes on with it). */
  boolean applying() {
    return journal != null;
  }

  private void replace(String name, String content) throws IOException {
    Path tmp = dir.resolve(name + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(
        tmp,
        dir.resolve(name),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
