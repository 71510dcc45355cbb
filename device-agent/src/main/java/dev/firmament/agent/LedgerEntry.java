package dev.firmament.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firmament.protocol.LedgerDocuments;
import java.time.Instant;
import java.util.Objects;

/**
 * What a device keeps of one ledger.
 *
 * @param name the ledger
 * @param fromCloud a cloud-to-device copy (true) or the device's own device-to-cloud document
 * @param version the copy's version, or the sequence number of the device's last write
 * @param data the document
 * @param acknowledged for the device's own document: the highest version the cloud acknowledged;
 *     the write is resent on reconnect while it is below {@code version}
 * @param writtenAt for the device's own document: when it was written
 */
public record LedgerEntry(
    String name,
    boolean fromCloud,
    long version,
    ObjectNode data,
    long acknowledged,
    Instant writtenAt) {
  public LedgerEntry {
    LedgerDocuments.requireName("name", name);
    Objects.requireNonNull(data, "data");
    if (version < 1 || acknowledged < 0) {
      throw new IllegalArgumentException("version must be 1 or more, acknowledged 0 or more");
    }
  }

  /** Whether the cloud has still to acknowledge the device's last write. */
  public boolean pending() {
    return !fromCloud && acknowledged < version;
  }
}
