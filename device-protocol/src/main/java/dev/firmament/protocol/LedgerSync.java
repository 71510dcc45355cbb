package dev.firmament.protocol;

import java.util.Map;

/**
 * Device to cloud, on {@code fw/{deviceId}/ledger}, at every connect: what the device holds.
 *
 * <p>The cloud answers with a {@link LedgerCopy} of every cloud-to-device ledger the device should
 * hold at a higher version than it named in {@code copies} (all of them for a name it left out), a
 * removal for a name in {@code copies} that no longer applies to it, and a {@link LedgerAck} with
 * the stored version of every name in {@code writes}.
 *
 * @param copies cloud-to-device ledger name to the version of the copy the device holds; at most
 *     {@value LedgerDocuments#MAX_SYNC_ENTRIES}
 * @param writes device-to-cloud ledger name to the version of the device's last write to it; at
 *     most {@value LedgerDocuments#MAX_SYNC_ENTRIES}
 */
public record LedgerSync(Map<String, Long> copies, Map<String, Long> writes)
    implements LedgerMessage {
  public LedgerSync {
    copies = check("copies", copies);
    writes = check("writes", writes);
  }

  private static Map<String, Long> check(String field, Map<String, Long> entries) {
    if (entries == null) {
      return Map.of();
    }
    Checks.require(
        entries.size() <= LedgerDocuments.MAX_SYNC_ENTRIES,
        field
            + " may name at most "
            + LedgerDocuments.MAX_SYNC_ENTRIES
            + " ledgers, named "
            + entries.size());
    entries.forEach(
        (name, version) -> {
          LedgerDocuments.requireName(field + " name", name);
          Checks.require(
              version != null && version >= 0,
              field + " version of " + name + " must be 0 or more, was " + version);
        });
    return Map.copyOf(entries);
  }
}
