package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Cloud to device, on {@code fw/{deviceId}/cmd} ({@code "type": "ledgerAck"}): the version of a
 * device-to-cloud ledger the cloud holds for the device, in answer to a {@link LedgerWrite} or a
 * {@link LedgerSync}. A device keeps a write until it reads an acknowledgement of its version or
 * higher, or a refusal.
 *
 * @param name the ledger
 * @param version the version the cloud stores, 0 when it stores none
 * @param refused why the cloud does not take writes to this ledger from the device (no
 *     device-to-cloud ledger of that name in its organization); absent when it does
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LedgerAck(String name, long version, String refused) implements Command {
  public static final int MAX_REFUSAL_LENGTH = 200;

  public LedgerAck {
    LedgerDocuments.requireName("name", name);
    Checks.require(version >= 0, "version must be 0 or more, was " + version);
    Checks.require(
        refused == null || refused.length() <= MAX_REFUSAL_LENGTH,
        "refused must be at most " + MAX_REFUSAL_LENGTH + " characters");
  }

  /** The cloud holds {@code version} of the device's ledger. */
  public static LedgerAck of(String name, long version) {
    return new LedgerAck(name, version, null);
  }
}
