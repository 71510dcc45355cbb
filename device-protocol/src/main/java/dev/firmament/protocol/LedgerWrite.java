package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * Device to cloud, on {@code fw/{deviceId}/ledger}: the whole new document of one of the device's
 * device-to-cloud ledgers.
 *
 * <p>The device numbers its writes to a ledger 1, 2, 3, ...; the cloud keeps a write only when its
 * version is higher than the one it stores and ignores a stale or repeated one, so resending after
 * a reconnect is harmless. Either way it answers with a {@link LedgerAck} of the version it holds.
 *
 * @param name the ledger
 * @param version the device's sequence number of this write, 1 or more
 * @param data the document (see {@link LedgerDocuments})
 * @param writtenAt when the device made the write (it may send it much later); absent is unknown
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LedgerWrite(String name, long version, ObjectNode data, Instant writtenAt)
    implements LedgerMessage {
  public LedgerWrite {
    LedgerDocuments.requireName("name", name);
    Checks.require(version >= 1, "version must be 1 or more, was " + version);
    LedgerDocuments.requireData("data", data);
  }
}
