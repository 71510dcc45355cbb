package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * Cloud to device, on {@code fw/{deviceId}/cmd} ({@code "type": "ledger"}): the cloud's current
 * document of a cloud-to-device ledger, or its removal.
 *
 * <p>The device applies it only when {@code version} is higher than the version of the copy it
 * holds (versions are never reused), so a late or repeated copy changes nothing.
 *
 * @param name the ledger
 * @param version the document's version, 1 or more
 * @param data the document; absent when the ledger or the device's instance of it was deleted, and
 *     the device drops its copy
 * @param updatedAt when the cloud stored it; absent for a removal
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LedgerCopy(String name, long version, ObjectNode data, Instant updatedAt)
    implements Command {
  public LedgerCopy {
    LedgerDocuments.requireName("name", name);
    Checks.require(version >= 1, "version must be 1 or more, was " + version);
    if (data != null) {
      LedgerDocuments.requireData("data", data);
    }
  }

  /** The removal of a ledger's copy, at {@code version}. */
  public static LedgerCopy removal(String name, long version) {
    return new LedgerCopy(name, version, null, null);
  }

  /** Whether the device drops its copy. */
  @JsonIgnore
  public boolean isRemoval() {
    return data == null;
  }
}
